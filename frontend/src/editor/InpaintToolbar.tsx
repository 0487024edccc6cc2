import type { MaskHistory } from './mask';
import type { PainterTool } from './MaskPainter';
import { Segmented } from './parts';
import { formatNumber } from '../format';

interface InpaintToolbarProps {
  tool: PainterTool;
  onTool: (tool: PainterTool) => void;
  brushSize: number;
  brushMin: number;
  brushMax: number;
  onBrushSize: (size: number) => void;
  history: MaskHistory;
}

const TOOLS = [
  { value: 'paint', label: 'Brush' },
  { value: 'erase', label: 'Eraser' },
  { value: 'move', label: 'Move' },
];

/** Brush or eraser, its size, undo and redo: the controls above the mask. */
export function InpaintToolbar({ tool, onTool, brushSize, brushMin, brushMax, onBrushSize, history }: InpaintToolbarProps) {
  return (
    <div class="inpaint-toolbar" data-testid="inpaint-toolbar">
      <Segmented
        name="painter-tool"
        legend="Tool"
        quietLegend
        value={tool}
        choices={TOOLS}
        onValue={(value) => onTool(value as PainterTool)}
        testId="painter-tool"
      />
      <div class="brush-size">
        <label for="brush-size">Brush size</label>
        <input
          id="brush-size"
          type="range"
          min={brushMin}
          max={brushMax}
          step={1}
          value={brushSize}
          aria-valuetext={`${formatNumber(brushSize)} pixels`}
          aria-keyshortcuts="[ ]"
          onInput={(event) => onBrushSize(Number(event.currentTarget.value))}
        />
        <output for="brush-size" class="brush-size-value" data-testid="brush-size-value">
          {formatNumber(brushSize)} px
        </output>
      </div>
      <div class="history-buttons" role="group" aria-label="History">
        <button
          type="button"
          class="btn btn-secondary btn-small"
          onClick={history.undo}
          aria-disabled={history.canUndo ? undefined : 'true'}
          aria-keyshortcuts="Control+Z Meta+Z"
          data-testid="mask-undo"
        >
          Undo
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          onClick={history.redo}
          aria-disabled={history.canRedo ? undefined : 'true'}
          aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z"
          data-testid="mask-redo"
        >
          Redo
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          onClick={history.clear}
          aria-disabled={history.strokes.length ? undefined : 'true'}
          data-testid="mask-clear"
        >
          Clear
        </button>
      </div>
    </div>
  );
}
