import { useEffect, useRef } from 'preact/hooks';
import { ratioStyle } from '../components/ratio';
import type { Dimensions } from './geometry';
import { drawOverlay, extendOverlay, type BrushMode, type MaskHistory, type Stroke } from './mask';
import { useStageView } from './useStageView';

export type PainterTool = BrushMode | 'move';

/** The overlay is drawn opaque in this colour and shown translucent, so overlapping strokes do not darken. */
const OVERLAY_COLOUR = '#e11d48';
/** The overlay's pixels: the source's, up to this long side. */
const OVERLAY_MAX_EDGE = 2048;
const ZOOM_STEP = 1.25;

interface MaskPainterProps {
  source: Dimensions;
  imageUrl: string | null;
  alt: string;
  history: MaskHistory;
  tool: PainterTool;
  brushSize: number;
}

type Gesture =
  | { kind: 'stroke'; pointerId: number; stroke: Stroke }
  | { kind: 'pan'; pointerId: number; x: number; y: number }
  | { kind: 'pinch'; distance: number; zoom: number; imagePoint: { x: number; y: number } }
  | null;

/**
 * The picture with the mask painted over it. Pointer events, so a mouse, a finger or a pen paint alike; two fingers
 * zoom and pan. From the keyboard: the arrows move the brush, Space held paints, Enter dabs, + − 0 zoom.
 */
export function MaskPainter({ source, imageUrl, alt, history, tool, brushSize }: MaskPainterProps) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const cursorRef = useRef<HTMLDivElement>(null);
  const view = useStageView(viewportRef, source);
  const gesture = useRef<Gesture>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const keyStroke = useRef<Stroke | null>(null);
  const keyCursor = useRef({ x: source.width / 2, y: source.height / 2 });
  const scale = Math.min(1, OVERLAY_MAX_EDGE / Math.max(source.width, source.height));
  const fit = view.stageSize.width / source.width || 0;
  const latest = useRef({ history, tool, brushSize, view });
  latest.current = { history, tool, brushSize, view };

  useEffect(() => {
    if (overlayRef.current) drawOverlay(overlayRef.current, history.strokes, scale, OVERLAY_COLOUR);
  }, [history.strokes, scale]);

  // Wheel: pinch on a trackpad or Ctrl+wheel zooms at the pointer; a plain wheel pans once zoomed in.
  useEffect(() => {
    const element = viewportRef.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      const { view: v } = latest.current;
      const at = local(event);
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        v.zoomBy(Math.exp(-event.deltaY / 200), at);
      } else if (v.zoom > 1) {
        event.preventDefault();
        v.panBy(-event.deltaX, -event.deltaY);
      }
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, []);

  function local(event: { clientX: number; clientY: number }) {
    const box = viewportRef.current!.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  function sourcePoint(point: { x: number; y: number }) {
    const p = latest.current.view.toSource(point);
    return { x: clamp(p.x, 0, source.width), y: clamp(p.y, 0, source.height) };
  }

  function placeCursor(point: { x: number; y: number } | null) {
    const cursor = cursorRef.current;
    if (!cursor) return;
    cursor.classList.toggle('is-visible', point !== null);
    if (point) cursor.style.transform = `translate(${point.x * fit}px, ${point.y * fit}px) translate(-50%, -50%)`;
  }

  function redraw() {
    if (overlayRef.current) drawOverlay(overlayRef.current, latest.current.history.strokes, scale, OVERLAY_COLOUR);
  }

  function beginStroke(pointerId: number, point: { x: number; y: number }) {
    const { tool: t, brushSize: size } = latest.current;
    const stroke: Stroke = { mode: t === 'erase' ? 'erase' : 'paint', size, points: [point.x, point.y] };
    gesture.current = { kind: 'stroke', pointerId, stroke };
    if (overlayRef.current) extendOverlay(overlayRef.current, stroke, scale, OVERLAY_COLOUR, 0);
  }

  function extend(stroke: Stroke, points: { x: number; y: number }[]) {
    const from = stroke.points.length;
    for (const point of points) stroke.points.push(point.x, point.y);
    if (overlayRef.current) extendOverlay(overlayRef.current, stroke, scale, OVERLAY_COLOUR, from);
  }

  function startPinch() {
    const [a, b] = [...pointers.current.values()];
    const middle = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    gesture.current = {
      kind: 'pinch',
      distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
      zoom: latest.current.view.zoom,
      imagePoint: latest.current.view.toSource(middle),
    };
  }

  function handlePointerDown(event: PointerEvent) {
    if (event.pointerType === 'mouse' && event.button !== 0 && event.button !== 1) return;
    event.preventDefault();
    viewportRef.current?.focus({ preventScroll: true });
    viewportRef.current?.setPointerCapture(event.pointerId);
    pointers.current.set(event.pointerId, local(event));
    if (pointers.current.size === 2) {
      // A second finger turns a stroke just begun into a pinch: the stroke is dropped.
      if (gesture.current?.kind === 'stroke') redraw();
      startPinch();
      return;
    }
    if (pointers.current.size > 2) return;
    const point = local(event);
    if (latest.current.tool === 'move' || event.button === 1) {
      gesture.current = { kind: 'pan', pointerId: event.pointerId, ...point };
    } else {
      beginStroke(event.pointerId, sourcePoint(point));
    }
  }

  function handlePointerMove(event: PointerEvent) {
    const point = local(event);
    if (event.pointerType !== 'touch') {
      keyCursor.current = sourcePoint(point);
      placeCursor(keyCursor.current);
    }
    if (!pointers.current.has(event.pointerId)) return;
    pointers.current.set(event.pointerId, point);
    const current = gesture.current;
    if (!current) return;
    if (current.kind === 'stroke' && current.pointerId === event.pointerId) {
      const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
      extend(current.stroke, (events.length ? events : [event]).map((e) => sourcePoint(local(e))));
    } else if (current.kind === 'pan' && current.pointerId === event.pointerId) {
      latest.current.view.panBy(point.x - current.x, point.y - current.y);
      gesture.current = { ...current, ...point };
    } else if (current.kind === 'pinch' && pointers.current.size >= 2) {
      const [a, b] = [...pointers.current.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      const middle = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      latest.current.view.zoomTo((current.zoom * distance) / current.distance, current.imagePoint, middle);
    }
  }

  function handlePointerEnd(event: PointerEvent) {
    if (!pointers.current.delete(event.pointerId)) return;
    const current = gesture.current;
    if (current?.kind === 'stroke' && current.pointerId === event.pointerId) {
      gesture.current = null;
      if (event.type === 'pointercancel') redraw();
      else latest.current.history.add(current.stroke);
    } else if (current?.kind === 'pan' && current.pointerId === event.pointerId) {
      gesture.current = null;
    } else if (current?.kind === 'pinch' && pointers.current.size < 2) {
      gesture.current = null;
    }
  }

  function finishKeyStroke() {
    const stroke = keyStroke.current;
    keyStroke.current = null;
    if (stroke) latest.current.history.add(stroke);
  }

  /** Keeps the keyboard's brush in view when zoomed in. */
  function follow(point: { x: number; y: number }) {
    const v = latest.current.view;
    const at = v.toViewport(point);
    const margin = 24;
    const dx = at.x < margin ? margin - at.x : at.x > v.viewport.width - margin ? v.viewport.width - margin - at.x : 0;
    const dy = at.y < margin ? margin - at.y : at.y > v.viewport.height - margin ? v.viewport.height - margin - at.y : 0;
    if (dx || dy) v.panBy(dx, dy);
  }

  function handleKeyDown(event: KeyboardEvent) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const v = latest.current.view;
    const edge = Math.max(source.width, source.height);
    const step = Math.max(1, Math.round(edge / (event.shiftKey ? 16 : 64)));
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      const point = {
        x: clamp(keyCursor.current.x + move[0], 0, source.width),
        y: clamp(keyCursor.current.y + move[1], 0, source.height),
      };
      keyCursor.current = point;
      placeCursor(point);
      follow(point);
      if (keyStroke.current && overlayRef.current) extend(keyStroke.current, [point]);
      return;
    }
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      if (event.repeat || keyStroke.current || latest.current.tool === 'move') return;
      const { x, y } = keyCursor.current;
      const { tool: t, brushSize: size } = latest.current;
      const stroke: Stroke = { mode: t === 'erase' ? 'erase' : 'paint', size, points: [x, y] };
      placeCursor(keyCursor.current);
      if (overlayRef.current) extendOverlay(overlayRef.current, stroke, scale, OVERLAY_COLOUR, 0);
      if (event.key === 'Enter') latest.current.history.add(stroke);
      else keyStroke.current = stroke;
      return;
    }
    const at = v.toViewport(keyCursor.current);
    if (event.key === '+' || event.key === '=') {
      event.preventDefault();
      v.zoomBy(ZOOM_STEP, at);
    } else if (event.key === '-' || event.key === '_') {
      event.preventDefault();
      v.zoomBy(1 / ZOOM_STEP, at);
    } else if (event.key === '0') {
      event.preventDefault();
      v.reset();
    }
  }

  function handleKeyUp(event: KeyboardEvent) {
    if (event.key === ' ') finishKeyStroke();
  }

  const cursorSize = brushSize * fit;
  return (
    <div class="mask-painter">
    <div
      ref={viewportRef}
      id="mask-viewport"
      class={`mask-viewport tool-${tool}`}
      style={ratioStyle(source.width, source.height)}
      tabIndex={0}
      role="application"
      aria-roledescription="mask canvas"
      aria-label="Mask: paint over the part of the picture to change"
      aria-describedby="mask-keys"
      onPointerDown={handlePointerDown}
      onPointerMove={handlePointerMove}
      onPointerUp={handlePointerEnd}
      onPointerCancel={handlePointerEnd}
      onPointerLeave={(event) => event.pointerType !== 'touch' && !pointers.current.size && placeCursor(null)}
      onKeyDown={handleKeyDown}
      onKeyUp={handleKeyUp}
      onFocus={(event) => (event.currentTarget as HTMLElement).matches(':focus-visible') && placeCursor(keyCursor.current)}
      onBlur={() => {
        finishKeyStroke();
        placeCursor(null);
      }}
      onContextMenu={(event) => event.preventDefault()}
      data-testid="mask-viewport"
      data-zoom={view.zoom.toFixed(2)}
    >
      <div
        class="mask-stage"
        style={{ width: `${view.stageSize.width}px`, height: `${view.stageSize.height}px`, transform: view.transform }}
        data-testid="mask-stage"
      >
        {imageUrl ? (
          <img src={imageUrl} alt={alt} width={source.width} height={source.height} draggable={false} />
        ) : (
          <span class="spinner image-spinner" aria-hidden="true" />
        )}
        <canvas
          ref={overlayRef}
          class="mask-overlay"
          width={Math.round(source.width * scale)}
          height={Math.round(source.height * scale)}
          aria-hidden="true"
          data-testid="mask-overlay"
        />
        <div
          ref={cursorRef}
          class="brush-cursor"
          style={{ width: `${cursorSize}px`, height: `${cursorSize}px` }}
          aria-hidden="true"
        />
      </div>
    </div>
    <div class="zoom-bar" role="group" aria-label="Zoom">
      <button type="button" class="btn btn-secondary btn-small" onClick={() => view.zoomBy(1 / ZOOM_STEP)} aria-keyshortcuts="-">
        <span aria-hidden="true">−</span>
        <span class="visually-hidden">Zoom out</span>
      </button>
      <output class="zoom-level" aria-live="polite" data-testid="zoom-level">
        <span class="visually-hidden">Zoom </span>
        {Math.round(view.zoom * 100)}%
      </output>
      <button type="button" class="btn btn-secondary btn-small" onClick={() => view.zoomBy(ZOOM_STEP)} aria-keyshortcuts="+">
        <span aria-hidden="true">+</span>
        <span class="visually-hidden">Zoom in</span>
      </button>
      <button type="button" class="btn btn-secondary btn-small" onClick={view.reset} aria-keyshortcuts="0">
        Fit
      </button>
    </div>
    </div>
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
