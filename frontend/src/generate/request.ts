import type { GenerationRequest, ImageModel } from '../api';
import { optionFields, type ResolvedOptions } from './options';

/** The form's fields, named as the API names them, so a 400 about one shows beside it. */
export const FIELDS = [
  'prompt',
  'model',
  'size',
  'quality',
  'n',
  'background',
  'output_format',
  'frame_count',
  'style_preset',
  'negative_prompt',
  'source_image_id',
  'mask_image_id',
] as const;

export const MAX_NEGATIVE = 2000;

export interface RequestParts {
  prompt: string;
  model: ImageModel | undefined;
  resolved: ResolvedOptions | null;
  style: string;
  negative: string;
  /** Only when the form shows them. */
  sourceId: string | null;
  maskId: string | null;
}

/** The body the form would send; null until a model and a valid size are chosen. */
export function buildRequest({ prompt, model, resolved, style, negative, sourceId, maskId }: RequestParts): GenerationRequest | null {
  if (!model || !resolved?.size) return null;
  return {
    prompt,
    model: model.id,
    ...optionFields(resolved),
    ...(style ? { style_preset: style } : {}),
    ...(negative.trim() ? { negative_prompt: negative } : {}),
    ...(sourceId ? { source_image_id: sourceId } : {}),
    ...(maskId ? { mask_image_id: maskId } : {}),
  };
}
