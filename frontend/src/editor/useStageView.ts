import { useEffect, useRef, useState } from 'preact/hooks';
import type { Dimensions } from './geometry';

export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;

interface View {
  zoom: number;
  panX: number;
  panY: number;
}

export interface StageView {
  /** The viewport's box, measured. */
  viewport: Dimensions;
  zoom: number;
  /** The stage's size at zoom 1 (the source fitted into the viewport) and its transform. */
  stageSize: Dimensions;
  transform: string;
  /** Zoom by `factor` keeping the viewport point (x, y) still; the centre when not given. */
  zoomBy: (factor: number, at?: { x: number; y: number }) => void;
  /** Zoom to `zoom` so that the source point `imagePoint` sits at the viewport point `at` (pinching). */
  zoomTo: (zoom: number, imagePoint: { x: number; y: number }, at: { x: number; y: number }) => void;
  panBy: (dx: number, dy: number) => void;
  reset: () => void;
  /** Where a source point is in the viewport, in CSS pixels. */
  toViewport: (point: { x: number; y: number }) => { x: number; y: number };
  /** The source point under a viewport point. */
  toSource: (point: { x: number; y: number }) => { x: number; y: number };
}

const START: View = { zoom: 1, panX: 0, panY: 0 };

/** Fits the source into a measured viewport and keeps a zoom and pan that never lose the picture from view. */
export function useStageView(viewportRef: { current: HTMLElement | null }, source: Dimensions): StageView {
  const [viewport, setViewport] = useState<Dimensions>({ width: 0, height: 0 });
  const [view, setView] = useState<View>(START);

  useEffect(() => {
    const element = viewportRef.current;
    if (!element) return;
    const measure = () => setViewport({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const fit = viewport.width && viewport.height ? Math.min(viewport.width / source.width, viewport.height / source.height) : 0;
  const stage = { width: source.width * fit, height: source.height * fit };

  const clamp = (next: View): View => {
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next.zoom));
    const limitX = Math.max(0, (stage.width * zoom - viewport.width) / 2);
    const limitY = Math.max(0, (stage.height * zoom - viewport.height) / 2);
    return {
      zoom,
      panX: Math.min(limitX, Math.max(-limitX, next.panX)),
      panY: Math.min(limitY, Math.max(-limitY, next.panY)),
    };
  };
  const origin = (v: View) => ({
    left: (viewport.width - stage.width * v.zoom) / 2 + v.panX,
    top: (viewport.height - stage.height * v.zoom) / 2 + v.panY,
  });
  const current = clamp(view);
  const { left, top } = origin(current);
  // The latest numbers for handlers that run between renders (pointer moves).
  const latest = useRef({ current, fit, stage, viewport });
  latest.current = { current, fit, stage, viewport };

  const placing = (zoom: number, imagePoint: { x: number; y: number }, at: { x: number; y: number }): View => {
    const { fit: f, stage: s, viewport: v } = latest.current;
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    const wantLeft = at.x - imagePoint.x * f * z;
    const wantTop = at.y - imagePoint.y * f * z;
    return { zoom: z, panX: wantLeft - (v.width - s.width * z) / 2, panY: wantTop - (v.height - s.height * z) / 2 };
  };

  const toSource = (point: { x: number; y: number }) => {
    const { current: v, fit: f } = latest.current;
    const o = origin(v);
    return { x: (point.x - o.left) / (f * v.zoom || 1), y: (point.y - o.top) / (f * v.zoom || 1) };
  };

  return {
    viewport,
    zoom: current.zoom,
    stageSize: stage,
    transform: `translate(${left}px, ${top}px) scale(${current.zoom})`,
    zoomBy: (factor, at) => {
      const point = at ?? { x: latest.current.viewport.width / 2, y: latest.current.viewport.height / 2 };
      setView(clamp(placing(latest.current.current.zoom * factor, toSource(point), point)));
    },
    zoomTo: (zoom, imagePoint, at) => setView(clamp(placing(zoom, imagePoint, at))),
    panBy: (dx, dy) =>
      setView((previous) => {
        const v = clamp(previous);
        return clamp({ ...v, panX: v.panX + dx, panY: v.panY + dy });
      }),
    reset: () => setView(START),
    toViewport: (point) => {
      const { current: v, fit: f } = latest.current;
      const o = origin(v);
      return { x: o.left + point.x * f * v.zoom, y: o.top + point.y * f * v.zoom };
    },
    toSource,
  };
}
