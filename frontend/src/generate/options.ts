import type {
  Background,
  CustomSizes,
  Generation,
  GenerationRequest,
  ImageModel,
  OutputFormat,
  QuoteBreakdown,
} from '../api';
import { formatNumber, formatSize } from '../format';
import { creditsText, titleCase } from '../generations';

/** What the Generate form holds; `resolveOptions` turns it into what the chosen model can make. */
export interface OptionState {
  /** An aspect id ("16:9"), "custom", a preset that matches no aspect ("1792x1024"), or "" for the model's default. */
  shape: string;
  /** The preset picked when several match the aspect. */
  preset: string;
  width: string;
  height: string;
  quality: string;
  background: Background | '';
  format: OutputFormat | '';
  frames: number;
  count: number;
}

export const INITIAL_OPTIONS: OptionState = {
  shape: '',
  preset: '',
  width: '',
  height: '',
  quality: '',
  background: '',
  format: '',
  frames: 9,
  count: 1,
};

export const MIN_FRAMES = 2;
export const MAX_FRAMES = 16;
/** Custom sizes for an aspect aim at about this many pixels. */
const TARGET_PIXELS = 1_500_000;
const RATIO_TOLERANCE = 0.02;

interface Aspect {
  id: string;
  name: string;
  ratio: number;
}

const ASPECTS: Aspect[] = [
  { id: '1:1', name: 'Square', ratio: 1 },
  { id: '3:2', name: 'Landscape', ratio: 3 / 2 },
  { id: '2:3', name: 'Portrait', ratio: 2 / 3 },
  { id: '16:9', name: 'Widescreen', ratio: 16 / 9 },
  { id: '9:16', name: 'Tall', ratio: 9 / 16 },
  { id: '21:9', name: 'Ultrawide', ratio: 21 / 9 },
];

export interface Dimensions {
  width: number;
  height: number;
}

export function parseSize(size: string): Dimensions | null {
  const match = /^(\d+)x(\d+)$/.exec(size);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

function sameRatio(a: number, b: number): boolean {
  return Math.abs(a / b - 1) <= RATIO_TOLERANCE;
}

/** One chip of the shape radio group. */
export interface ShapeChoice {
  id: string;
  label: string;
  /** The presets of this shape, best first; empty for a computed custom size. */
  presets: string[];
  /** The size this chip stands for (its first preset, or a size computed from the custom bounds). */
  size: string;
  ratio: number;
}

/** Custom sizes are off for GIFs, which come in preset sizes only. */
export function customAllowed(model: ImageModel, format: OutputFormat): boolean {
  return model.custom_sizes !== null && format !== 'gif';
}

/** The shapes this model makes in this format: aspect chips, presets that fit none, and "Custom". */
export function shapeChoices(model: ImageModel, format: OutputFormat): ShapeChoice[] {
  const custom = customAllowed(model, format) ? model.custom_sizes : null;
  const presets = model.sizes.map((size) => ({ size, dims: parseSize(size) })).filter((item) => item.dims);
  const claimed = new Set<string>();
  const choices: ShapeChoice[] = [];
  for (const aspect of ASPECTS) {
    const matching = presets.filter(({ dims }) => sameRatio(dims!.width / dims!.height, aspect.ratio)).map(({ size }) => size);
    matching.forEach((size) => claimed.add(size));
    const computed = matching.length === 0 && custom ? sizeForRatio(custom, aspect.ratio) : null;
    const size = matching[0] ?? computed;
    if (size) choices.push({ id: aspect.id, label: `${aspect.id} ${aspect.name}`, presets: matching, size, ratio: aspect.ratio });
  }
  for (const { size, dims } of presets) {
    if (!claimed.has(size)) {
      choices.push({ id: size, label: formatSize(dims!.width, dims!.height), presets: [size], size, ratio: dims!.width / dims!.height });
    }
  }
  if (custom) choices.push({ id: 'custom', label: 'Custom', presets: [], size: '', ratio: 0 });
  return choices;
}

/**
 * A size of about 1.5 MP with this ratio, both sides multiples of `multiple_of`, within the bounds;
 * null when the ratio is beyond `max_aspect`.
 */
export function sizeForRatio(custom: CustomSizes, ratio: number): string | null {
  const step = Math.max(1, custom.multiple_of);
  if (Math.max(ratio, 1 / ratio) > custom.max_aspect) return null;
  const pixels = Math.min(TARGET_PIXELS, custom.max_pixels);
  const idealHeight = Math.sqrt(pixels / ratio);
  let best: (Dimensions & { score: number }) | null = null;
  for (let offset = -3; offset <= 3; offset++) {
    const height = Math.max(step, (Math.round(idealHeight / step) + offset) * step);
    const width = Math.max(step, Math.round((height * ratio) / step) * step);
    const fitted = fitWithin(custom, width, height);
    if (!fitted) continue;
    const score = Math.abs(fitted.width / fitted.height / ratio - 1) + 0.1 * Math.abs((fitted.width * fitted.height) / pixels - 1);
    if (!best || score < best.score) best = { ...fitted, score };
  }
  return best ? `${best.width}x${best.height}` : null;
}

/** Scale down (keeping multiples of the step) until the size is within the edge and pixel bounds. */
function fitWithin(custom: CustomSizes, width: number, height: number): Dimensions | null {
  const step = Math.max(1, custom.multiple_of);
  const scale = Math.min(1, custom.max_edge / Math.max(width, height), Math.sqrt(custom.max_pixels / (width * height)));
  const fitted = {
    width: Math.max(step, Math.floor((width * scale) / step) * step),
    height: Math.max(step, Math.floor((height * scale) / step) * step),
  };
  return customSizeErrors(custom, String(fitted.width), String(fitted.height)) ? null : fitted;
}

export interface SizeErrors {
  width?: string;
  height?: string;
  /** About the two sides together: the pixel count or the aspect. */
  size?: string;
}

/** The custom-size rules, in the words shown beside the inputs; null when the size is fine. */
export function customSizeErrors(custom: CustomSizes, widthText: string, heightText: string): SizeErrors | null {
  const errors: SizeErrors = {};
  const sides = [
    ['width', 'Width', widthText],
    ['height', 'Height', heightText],
  ] as const;
  const values: number[] = [];
  for (const [key, label, text] of sides) {
    const trimmed = text.trim();
    const value = Number(trimmed);
    values.push(value);
    if (!/^\d+$/.test(trimmed)) errors[key] = `${label}: enter a whole number of pixels.`;
    else if (value < custom.multiple_of) errors[key] = `${label}: at least ${formatNumber(custom.multiple_of)} px.`;
    else if (value > custom.max_edge) errors[key] = `${label}: at most ${formatNumber(custom.max_edge)} px.`;
    else if (value % custom.multiple_of !== 0) {
      const lower = Math.floor(value / custom.multiple_of) * custom.multiple_of;
      // Values to type into the field, so written as the field takes them: "1648", not "1,648".
      errors[key] = `${label}: a multiple of ${formatNumber(custom.multiple_of)}, such as ${lower} or ${lower + custom.multiple_of}.`;
    }
  }
  if (!errors.width && !errors.height) {
    const [width, height] = values;
    if (width * height > custom.max_pixels) {
      const pixels = `${formatNumber(width)} × ${formatNumber(height)} is ${formatNumber(width * height)} pixels`;
      errors.size = `${pixels}; the most is ${formatNumber(custom.max_pixels)}.`;
    } else if (Math.max(width, height) / Math.min(width, height) > custom.max_aspect) {
      errors.size = `The long side can be at most ${formatNumber(custom.max_aspect, 2)} times the short side.`;
    }
  }
  return Object.keys(errors).length ? errors : null;
}

/** What the form will actually send, after fitting the held choices to the model. */
export interface ResolvedOptions {
  shapes: ShapeChoice[];
  shape: ShapeChoice | null;
  /** The concrete WxH, or null while a custom size is invalid. */
  size: string | null;
  sizeErrors: SizeErrors | null;
  /** Why a held choice was replaced, e.g. a shape GIFs don't come in. */
  notes: string[];
  quality: string;
  background: Background | null;
  format: OutputFormat | null;
  frames: number | null;
  count: number;
  maxCount: number;
  transparentAllowed: boolean;
}

export function transparencyAllowed(format: OutputFormat | null): boolean {
  return format === 'png' || format === 'webp';
}

/** Options that ask for this size ("Use these settings"): its preset's shape when the model has it, else a
 * custom size, which resolveOptions turns into the nearest shape (with a note) for a model without custom sizes. */
export function optionsForSize(model: ImageModel, size: string): OptionState {
  const dims = parseSize(size);
  if (!dims) return INITIAL_OPTIONS;
  const preset = shapeChoices(model, 'png').find((choice) => choice.presets.includes(size));
  if (preset) return { ...INITIAL_OPTIONS, shape: preset.id, preset: size };
  return { ...INITIAL_OPTIONS, shape: 'custom', width: String(dims.width), height: String(dims.height) };
}

export function resolveOptions(model: ImageModel, state: OptionState): ResolvedOptions {
  const notes: string[] = [];
  const format: OutputFormat | null = model.output_formats.length
    ? state.format && model.output_formats.includes(state.format)
      ? state.format
      : model.output_formats[0]
    : null;
  const shapes = shapeChoices(model, format ?? 'png');
  const shape = pickShape(shapes, model, state);
  if (state.shape && shape && shape.id !== state.shape) {
    notes.push(
      format === 'gif' && model.custom_sizes
        ? `GIFs come in preset sizes only, so ${shape.label} is used.`
        : `This model doesn't make ${state.shape === 'custom' ? 'custom sizes' : state.shape}, so ${shape.label} is used.`,
    );
  }

  let size: string | null = null;
  let sizeErrors: SizeErrors | null = null;
  if (shape?.id === 'custom' && model.custom_sizes) {
    sizeErrors = customSizeErrors(model.custom_sizes, state.width, state.height);
    size = sizeErrors ? null : `${state.width.trim()}x${state.height.trim()}`;
  } else if (shape) {
    size = shape.presets.includes(state.preset) ? state.preset : shape.size;
  }

  // The API's own default when a request names none: medium where offered.
  const fallbackQuality = model.qualities.includes('medium') ? 'medium' : (model.qualities[0] ?? '');
  const quality = model.qualities.includes(state.quality) ? state.quality : fallbackQuality;
  const transparentAllowed = transparencyAllowed(format);
  let background: Background | null = null;
  if (model.backgrounds.length) {
    const wanted = state.background || 'auto';
    if (model.backgrounds.includes(wanted) && (wanted !== 'transparent' || transparentAllowed)) background = wanted;
    else {
      background = model.backgrounds.find((item) => item !== 'transparent') ?? null;
      const instead = backgroundLabel(background ?? 'auto').toLowerCase();
      if (wanted === 'transparent' && model.backgrounds.includes('transparent')) {
        notes.push(`A transparent background needs PNG or WebP, so the background is ${instead}.`);
      } else if (state.background) {
        notes.push(`This model doesn't make ${backgroundLabel(wanted).toLowerCase()} backgrounds, so the background is ${instead}.`);
      }
    }
  }
  const frames = format === 'gif' ? clampFrames(state.frames) : null;
  const maxCount = format === 'svg' ? 1 : Math.max(1, model.max_n);
  const count = Math.min(Math.max(1, state.count), maxCount);
  if (count < state.count && format === 'svg') notes.push('An SVG is made one at a time.');
  return { shapes, shape, size, sizeErrors, notes, quality, background, format, frames, count, maxCount, transparentAllowed };
}

function pickShape(shapes: ShapeChoice[], model: ImageModel, state: OptionState): ShapeChoice | null {
  const held = shapes.find((choice) => choice.id === state.shape);
  if (held) return held;
  const fixed = shapes.filter((choice) => choice.id !== 'custom');
  if (!state.shape) return fixed.find((choice) => choice.presets.includes(model.sizes[0])) ?? fixed[0] ?? shapes[0] ?? null;
  // The held shape isn't made here: take the nearest ratio.
  const wanted =
    state.shape === 'custom'
      ? ratioOf(`${state.width.trim()}x${state.height.trim()}`)
      : (ASPECTS.find((aspect) => aspect.id === state.shape)?.ratio ?? ratioOf(state.shape));
  if (!wanted) return fixed[0] ?? null;
  let best: ShapeChoice | null = null;
  for (const choice of fixed) {
    if (!best || Math.abs(Math.log(choice.ratio / wanted)) < Math.abs(Math.log(best.ratio / wanted))) best = choice;
  }
  return best;
}

function ratioOf(size: string): number | null {
  const dims = parseSize(size);
  return dims && dims.width > 0 && dims.height > 0 ? dims.width / dims.height : null;
}

export function clampFrames(frames: number): number {
  return Number.isFinite(frames) ? Math.min(MAX_FRAMES, Math.max(MIN_FRAMES, Math.round(frames))) : 9;
}

type OptionFields = Pick<GenerationRequest, 'size' | 'quality' | 'n' | 'background' | 'output_format' | 'frame_count'>;

/** The request body's option fields. */
export function optionFields(resolved: ResolvedOptions): OptionFields {
  return {
    ...(resolved.size ? { size: resolved.size } : {}),
    ...(resolved.quality ? { quality: resolved.quality } : {}),
    n: resolved.count,
    ...(resolved.background ? { background: resolved.background } : {}),
    ...(resolved.format ? { output_format: resolved.format } : {}),
    ...(resolved.frames !== null ? { frame_count: resolved.frames } : {}),
  };
}

/** The price of one image from the model's list and rates, shown until the API's quote arrives. */
export function estimateUnit(model: ImageModel, resolved: ResolvedOptions): number | null {
  const { size, quality, format, frames } = resolved;
  if (!size) return null;
  if (format === 'gif') {
    const rate = model.rates.find((item) => item.unit === 'frame' && item.quality === quality);
    return rate && frames !== null ? roundUp(rate.credits * frames) : null;
  }
  const preset = model.prices.find((price) => price.size === size && price.quality === quality);
  if (preset) return preset.credits;
  const dims = parseSize(size);
  const rate = model.rates.find((item) => item.unit === 'megapixel' && item.quality === quality);
  return rate && dims ? roundUp((rate.credits * dims.width * dims.height) / 1e6) : null;
}

/** Rounded up per image, and never below 1 credit. */
function roundUp(value: number): number {
  // Floating point may land a hair above a whole number the API's decimals hit exactly.
  return Math.max(1, Math.ceil(value - 1e-9));
}

/** "1.47 MP × 20 credits/MP = 30 credits per image × 2". */
export function breakdownText(breakdown: QuoteBreakdown): string {
  const times = breakdown.n > 1 ? ` × ${formatNumber(breakdown.n)}` : '';
  const unit = `${creditsText(breakdown.unit_credits)} per image${times}`;
  const rate = `${formatNumber(breakdown.rate_credits, 3)} ${breakdown.rate_credits === 1 ? 'credit' : 'credits'}`;
  switch (breakdown.basis) {
    case 'megapixel':
      return `${formatNumber(breakdown.quantity, 2)} MP × ${rate}/MP = ${unit}`;
    case 'frame':
      return `${formatNumber(breakdown.quantity)} frames × ${rate}/frame = ${unit}`;
    default:
      return unit;
  }
}

/** "1632 × 912 px · 1.49 MP". */
export function sizeSummary(size: string): string {
  const dims = parseSize(size);
  if (!dims) return size;
  return `${formatNumber(dims.width)} × ${formatNumber(dims.height)} px · ${formatNumber((dims.width * dims.height) / 1e6, 2)} MP`;
}

const QUALITY_LABELS: Record<string, string> = { xhigh: 'Extra high', hd: 'HD' };
export function qualityLabel(quality: string): string {
  return QUALITY_LABELS[quality] ?? titleCase(quality);
}

const BACKGROUND_LABELS: Record<Background, string> = { auto: 'Auto', opaque: 'Opaque', transparent: 'Transparent' };
export function backgroundLabel(background: Background): string {
  return BACKGROUND_LABELS[background] ?? titleCase(background);
}

const FORMAT_LABELS: Record<OutputFormat, string> = {
  png: 'PNG',
  webp: 'WebP',
  jpeg: 'JPEG',
  gif: 'GIF (animated)',
  svg: 'SVG (vector)',
};
export function formatLabel(format: OutputFormat): string {
  return FORMAT_LABELS[format] ?? format.toUpperCase();
}

/** The same request again, as a new generation: every parameter the failed one was made with. */
export function retryRequest(generation: Generation): GenerationRequest {
  const source = generation.source_image_id ?? generation.parent_image_id;
  return {
    prompt: generation.prompt,
    model: generation.model,
    size: generation.size,
    quality: generation.quality,
    n: generation.n,
    ...(generation.background ? { background: generation.background } : {}),
    ...(generation.output_format ? { output_format: generation.output_format } : {}),
    ...(generation.frame_count ? { frame_count: generation.frame_count } : {}),
    ...(generation.style_preset ? { style_preset: generation.style_preset } : {}),
    ...(generation.negative_prompt ? { negative_prompt: generation.negative_prompt } : {}),
    ...(source ? { source_image_id: source } : {}),
    ...(generation.mask_image_id ? { mask_image_id: generation.mask_image_id } : {}),
  };
}

/** The model a request falls back to: the catalogue's default, else the first available one. */
export function defaultModel(models: ImageModel[], except?: string): ImageModel | undefined {
  const usable = models.filter((model) => model.available && model.id !== except);
  return usable.find((model) => model.default) ?? usable[0];
}

/** Credits per image with the settings Generate starts with for this model; null when it has no price for them. */
export function startingUnit(model: ImageModel): number | null {
  return estimateUnit(model, resolveOptions(model, INITIAL_OPTIONS));
}
