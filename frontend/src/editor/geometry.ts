import type { ImageModel } from '../api';
import type { Padding, UpscaleTarget } from './types';
import { formatNumber, formatSize } from '../format';

export interface Dimensions {
  width: number;
  height: number;
}

/** The API's own limits on outpaint padding and upscale factors. */
export const MAX_PADDING = 4096;
export const MAX_UPSCALE_FACTOR = 4;
/** How far an upscale's target may stray from the source's shape. */
const ASPECT_TOLERANCE = 0.02;

export function parseSize(size: string): Dimensions | null {
  const match = /^(\d+)x(\d+)$/.exec(size);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

/** Whether the model renders this size: one of its presets, or a custom size within its bounds. */
export function acceptsSize(model: ImageModel, { width, height }: Dimensions): boolean {
  if (model.sizes.includes(`${width}x${height}`)) return true;
  const bounds = model.custom_sizes;
  if (!bounds || width < 1 || height < 1) return false;
  return (
    width % bounds.multiple_of === 0 &&
    height % bounds.multiple_of === 0 &&
    Math.max(width, height) <= bounds.max_edge &&
    width * height <= bounds.max_pixels &&
    Math.max(width, height) <= bounds.max_aspect * Math.min(width, height)
  );
}

/** Why the model does not render this size, in a sentence; null when it does. */
export function sizeProblem(model: ImageModel, size: Dimensions): string | null {
  if (acceptsSize(model, size)) return null;
  const bounds = model.custom_sizes;
  const presets = model.sizes.map((value) => value.replace('x', ' × ')).join(', ');
  if (!bounds) return `${model.label} renders only these sizes: ${presets}.`;
  const { width, height } = size;
  if (width % bounds.multiple_of || height % bounds.multiple_of)
    return `Both sides must be multiples of ${formatNumber(bounds.multiple_of)} px.`;
  if (Math.max(width, height) > bounds.max_edge) return `No side may be longer than ${formatNumber(bounds.max_edge)} px.`;
  if (width * height > bounds.max_pixels)
    return `At most ${formatNumber(bounds.max_pixels / 1_000_000, 1)} megapixels; this is ${formatNumber((width * height) / 1_000_000, 1)}.`;
  return `The long side may be at most ${formatNumber(bounds.max_aspect, 2)} times the short side.`;
}

export function paddedSize(source: Dimensions, padding: Padding): Dimensions {
  return { width: source.width + padding.left + padding.right, height: source.height + padding.top + padding.bottom };
}

export function hasPadding(padding: Padding): boolean {
  return padding.left > 0 || padding.right > 0 || padding.top > 0 || padding.bottom > 0;
}

export interface CanvasChoice {
  /** The chip's value and label, e.g. "16:9". */
  id: string;
  label: string;
  ratio: number;
  padding: Padding;
  canvas: Dimensions;
}

const RATIOS: { id: string; ratio: number }[] = [
  { id: '1:1', ratio: 1 },
  { id: '4:3', ratio: 4 / 3 },
  { id: '3:2', ratio: 3 / 2 },
  { id: '16:9', ratio: 16 / 9 },
  { id: '2:1', ratio: 2 },
  { id: '3:4', ratio: 3 / 4 },
  { id: '2:3', ratio: 2 / 3 },
  { id: '9:16', ratio: 9 / 16 },
];

/** The source in the middle of a canvas, the extra split evenly (any odd pixel goes right or below). */
export function centredPadding(source: Dimensions, canvas: Dimensions): Padding {
  const extraX = canvas.width - source.width;
  const extraY = canvas.height - source.height;
  return {
    left: Math.floor(extraX / 2),
    right: extraX - Math.floor(extraX / 2),
    top: Math.floor(extraY / 2),
    bottom: extraY - Math.floor(extraY / 2),
  };
}

/**
 * The grown canvases the model renders: for each common aspect ratio, the smallest canvas of that shape around the
 * source (on the model's grid), and the presets that hold the source in shapes not offered yet. Only sizes the model
 * takes are offered.
 */
export function canvasChoices(model: ImageModel, source: Dimensions): CanvasChoice[] {
  const found = new Map<string, CanvasChoice>();
  const add = (id: string, canvas: Dimensions) => {
    // One canvas per shape: the smallest, found first (the presets come after the shapes on the model's grid).
    if (found.has(id) || !acceptsSize(model, canvas)) return;
    if (canvas.width < source.width || canvas.height < source.height) return;
    const padding = centredPadding(source, canvas);
    if (!hasPadding(padding) || Object.values(padding).some((side) => side > MAX_PADDING)) return;
    found.set(id, { id, label: id, ratio: canvas.width / canvas.height, padding, canvas });
  };
  const bounds = model.custom_sizes;
  if (bounds) {
    const step = bounds.multiple_of;
    const up = (value: number) => Math.ceil(value / step) * step;
    for (const { id, ratio } of RATIOS) {
      const wide = source.width / source.height < ratio;
      const width = wide ? source.height * ratio : source.width;
      const height = wide ? source.height : source.width / ratio;
      add(id, { width: up(width), height: up(height) });
    }
  }
  for (const preset of model.sizes) {
    const size = parseSize(preset);
    if (size) add(ratioName(size), size);
  }
  return [...found.values()].sort((a, b) => a.ratio - b.ratio);
}

/** "16:9" when the size is close to a common ratio, else "1,792 × 1,024". */
export function ratioName({ width, height }: Dimensions): string {
  const ratio = width / height;
  const near = RATIOS.find((item) => Math.abs(item.ratio - ratio) / item.ratio < 0.01);
  return near ? near.id : formatSize(width, height);
}

export interface UpscaleChoice {
  id: string;
  label: string;
  target: UpscaleTarget;
  size: Dimensions;
}

const FACTORS = [1.5, 2, 3, 4];

/** The upscales the model renders: its factors of the source (as the API rounds them), and the largest of its shape. */
export function upscaleChoices(model: ImageModel, source: Dimensions): UpscaleChoice[] {
  const choices: UpscaleChoice[] = [];
  const step = model.custom_sizes?.multiple_of ?? 1;
  const round = (value: number) => Math.max(step, Math.round(value / step) * step);
  for (const factor of FACTORS) {
    const size = { width: round(source.width * factor), height: round(source.height * factor) };
    if (acceptsSize(model, size) && larger(size, source))
      choices.push({ id: `${factor}x`, label: `${formatNumber(factor, 2)}×`, target: { factor }, size });
  }
  const largest = largestUpscale(model, source);
  if (largest && !choices.some((choice) => sameSize(choice.size, largest))) {
    choices.push({ id: 'largest', label: 'Largest', target: { ...largest }, size: largest });
  }
  return choices;
}

/** The largest size of the source's shape the model renders, if it is larger than the source. */
export function largestUpscale(model: ImageModel, source: Dimensions): Dimensions | null {
  const candidates: Dimensions[] = [];
  const bounds = model.custom_sizes;
  if (bounds) {
    const scale = Math.min(
      bounds.max_edge / source.width,
      bounds.max_edge / source.height,
      Math.sqrt(bounds.max_pixels / (source.width * source.height)),
      MAX_UPSCALE_FACTOR,
    );
    const step = bounds.multiple_of;
    candidates.push({
      width: Math.floor((source.width * scale) / step) * step,
      height: Math.floor((source.height * scale) / step) * step,
    });
  }
  for (const preset of model.sizes) {
    const size = parseSize(preset);
    if (size) candidates.push(size);
  }
  const fitting = candidates.filter(
    (size) => size.width > 0 && size.height > 0 && larger(size, source) && sameShape(size, source) && acceptsSize(model, size),
  );
  fitting.sort((a, b) => b.width * b.height - a.width * a.height);
  return fitting[0] ?? null;
}

/** The target for a width typed by hand: the height follows the source's shape, on the model's grid. */
export function upscaleForWidth(model: ImageModel, source: Dimensions, width: number): Dimensions {
  const step = model.custom_sizes?.multiple_of ?? 1;
  return { width, height: Math.max(step, Math.round((width * source.height) / source.width / step) * step) };
}

export function upscaleProblem(model: ImageModel, source: Dimensions, size: Dimensions): string | null {
  if (!Number.isInteger(size.width) || size.width < 1) return 'Enter a width in whole pixels.';
  if (!larger(size, source)) return `Choose a size larger than the image (${formatSize(source.width, source.height)}).`;
  if (!sameShape(size, source)) return "This size doesn't keep the image's shape.";
  const problem = sizeProblem(model, size);
  if (!problem) return null;
  const largest = largestUpscale(model, source);
  return largest ? `${problem} The largest is ${formatSize(largest.width, largest.height)}.` : problem;
}

function larger(size: Dimensions, source: Dimensions): boolean {
  return size.width >= source.width && size.height >= source.height && (size.width > source.width || size.height > source.height);
}

function sameShape(size: Dimensions, source: Dimensions): boolean {
  const aspect = source.width / source.height;
  return Math.abs(size.width / size.height - aspect) <= ASPECT_TOLERANCE * aspect;
}

function sameSize(a: Dimensions, b: Dimensions): boolean {
  return a.width === b.width && a.height === b.height;
}

/** Brush sizes in the source's pixels: from fine detail to a quarter of its long side. */
export function brushRange(source: Dimensions): { min: number; max: number; initial: number } {
  const edge = Math.max(source.width, source.height);
  const min = Math.max(2, Math.round(edge / 256));
  const max = Math.max(min + 1, Math.round(edge / 4));
  return { min, max, initial: Math.min(max, Math.max(min, Math.round(edge / 16))) };
}
