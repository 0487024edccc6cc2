import { useMemo, useState } from 'preact/hooks';
import type { Dimensions } from './geometry';

export type BrushMode = 'paint' | 'erase';

/** One stroke of the brush, in the source image's pixels: x, y pairs one after another. */
export interface Stroke {
  mode: BrushMode;
  size: number;
  points: number[];
}

/** The painted strokes, with the ones undone kept for redo until something new is painted. */
export interface MaskHistory {
  strokes: Stroke[];
  /** Changes with every edit, so work done for one state (an upload, a coverage count) can be reused. */
  version: number;
  canUndo: boolean;
  canRedo: boolean;
  add: (stroke: Stroke) => void;
  undo: () => void;
  redo: () => void;
  clear: () => void;
}

interface HistoryState {
  strokes: Stroke[];
  undone: Stroke[][];
  /** What undo goes back to, newest last: after a clear, the strokes it removed come back in one step. */
  past: Stroke[][];
  version: number;
}

const EMPTY: HistoryState = { strokes: [], undone: [], past: [], version: 0 };

export function useMaskHistory(): MaskHistory {
  const [state, setState] = useState<HistoryState>(EMPTY);
  return useMemo(
    () => ({
      strokes: state.strokes,
      version: state.version,
      canUndo: state.past.length > 0,
      canRedo: state.undone.length > 0,
      add: (stroke) =>
        setState((s) => ({ strokes: [...s.strokes, stroke], past: [...s.past, s.strokes], undone: [], version: s.version + 1 })),
      undo: () =>
        setState((s) =>
          s.past.length === 0
            ? s
            : {
                strokes: s.past[s.past.length - 1],
                past: s.past.slice(0, -1),
                undone: [...s.undone, s.strokes],
                version: s.version + 1,
              },
        ),
      redo: () =>
        setState((s) =>
          s.undone.length === 0
            ? s
            : {
                strokes: s.undone[s.undone.length - 1],
                undone: s.undone.slice(0, -1),
                past: [...s.past, s.strokes],
                version: s.version + 1,
              },
        ),
      clear: () =>
        setState((s) =>
          s.strokes.length === 0 ? s : { strokes: [], past: [...s.past, s.strokes], undone: [], version: s.version + 1 },
        ),
    }),
    [state],
  );
}

/**
 * Draws strokes onto a canvas whose pixels are the source's scaled by `scale`. `paint` is how a painted stroke is
 * composited (the overlay draws it in colour, the mask cuts it out); an erasing stroke does the opposite.
 */
export function drawStroke(
  context: CanvasRenderingContext2D,
  stroke: Stroke,
  scale: number,
  paint: { operation: GlobalCompositeOperation; colour: string },
  erase: { operation: GlobalCompositeOperation; colour: string },
  from = 0,
): void {
  const style = stroke.mode === 'paint' ? paint : erase;
  const points = stroke.points;
  context.save();
  context.globalCompositeOperation = style.operation;
  context.fillStyle = style.colour;
  context.strokeStyle = style.colour;
  context.lineWidth = stroke.size * scale;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  const start = Math.max(0, from - 2);
  if (points.length <= 2 || start >= points.length - 2) {
    const x = points[points.length - 2] * scale;
    const y = points[points.length - 1] * scale;
    context.beginPath();
    context.arc(x, y, (stroke.size * scale) / 2, 0, Math.PI * 2);
    context.fill();
  } else {
    context.beginPath();
    context.moveTo(points[start] * scale, points[start + 1] * scale);
    for (let i = start + 2; i < points.length; i += 2) context.lineTo(points[i] * scale, points[i + 1] * scale);
    context.stroke();
  }
  context.restore();
}

const OVERLAY_PAINT = { operation: 'source-over' as const, colour: '#000' };
const OVERLAY_ERASE = { operation: 'destination-out' as const, colour: '#000' };

/** Redraws the whole overlay: painted areas opaque (the canvas itself is shown translucent, in colour). */
export function drawOverlay(canvas: HTMLCanvasElement, strokes: Stroke[], scale: number, colour: string): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  context.clearRect(0, 0, canvas.width, canvas.height);
  for (const stroke of strokes) drawStroke(context, stroke, scale, { ...OVERLAY_PAINT, colour }, OVERLAY_ERASE);
}

/** Continues the overlay with the points of a stroke from index `from` on (while the pointer moves). */
export function extendOverlay(canvas: HTMLCanvasElement, stroke: Stroke, scale: number, colour: string, from: number): void {
  const context = canvas.getContext('2d');
  if (context) drawStroke(context, stroke, scale, { ...OVERLAY_PAINT, colour }, OVERLAY_ERASE, from);
}

/** The mask as the API takes it, `scale` times the source's size: opaque black, the painted area transparent. */
function renderMask(strokes: Stroke[], size: Dimensions, scale: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(size.width * scale));
  canvas.height = Math.max(1, Math.round(size.height * scale));
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (const stroke of strokes) {
    drawStroke(
      context,
      stroke,
      scale,
      { operation: 'destination-out', colour: '#000' },
      { operation: 'source-over', colour: '#000' },
    );
  }
  return canvas;
}

/** The mask at the source's full resolution, as a PNG file ready to upload. */
export function exportMask(strokes: Stroke[], size: Dimensions): Promise<File> {
  const canvas = renderMask(strokes, size, 1);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (blob) resolve(new File([blob], 'mask.png', { type: 'image/png' }));
      else reject(new Error('The mask could not be drawn.'));
    }, 'image/png');
  });
}

/** The share of the image painted, from 0 to 1, counted on a small copy of the mask. */
export function coverage(strokes: Stroke[], size: Dimensions): number {
  if (!strokes.some((stroke) => stroke.mode === 'paint')) return 0;
  const scale = Math.min(1, 256 / Math.max(size.width, size.height));
  const canvas = renderMask(strokes, size, scale);
  const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let clear = 0;
  // Any transparency counts, so a dab smaller than a pixel of the small copy is not lost.
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] < 255) clear += 1;
  return clear / (canvas.width * canvas.height);
}
