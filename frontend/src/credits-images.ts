import type { ImageModel } from './api';
import { formatNumber } from './format';
import { defaultModel, startingUnit } from './generate/options';
import { modelLabel } from './generations';

/** What credits buy, in pictures: the default model at the settings Generate starts with. */
export interface ImagePrice {
  model: string;
  unit: number;
}

export function defaultImagePrice(models: ImageModel[] | null | undefined): ImagePrice | null {
  const model = models ? defaultModel(models) : undefined;
  const unit = model ? startingUnit(model) : null;
  return model && unit && unit > 0 ? { model: modelLabel(model), unit } : null;
}

/** "≈ 500 images with GPT Image 1"; null without a price to go by. */
export function imagesWorth(credits: number, price: ImagePrice | null): string | null {
  if (!price) return null;
  const images = Math.floor(credits / price.unit);
  return `≈ ${formatNumber(images)} ${images === 1 ? 'image' : 'images'} with ${price.model}`;
}
