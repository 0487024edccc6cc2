import { api, type FileResult, type ImageModel } from './api';
import { saveBlob } from './generations';

/** The most ids one bulk call takes. */
export const MAX_BULK = 100;

/** Widths offered for downloads; only those smaller than the image are shown. */
export const DOWNLOAD_WIDTHS = [2048, 1024, 512, 256] as const;

export const FORMAT_OPTIONS = [
  { value: '', label: 'Original' },
  { value: 'png', label: 'PNG' },
  { value: 'jpeg', label: 'JPEG' },
  { value: 'webp', label: 'WebP' },
] as const;

/** "1 image", "3 images". */
export function imagesText(count: number): string {
  return `${count} ${count === 1 ? 'image' : 'images'}`;
}

/** What to call an image in labels: its prompt, else its description. */
export function imageName(image: { prompt: string | null; alt: string }): string {
  return image.prompt?.trim() || image.alt || 'Untitled image';
}

/** Save a file from the API: bytes through a blob: URL, or a short-lived address through an ordinary link. */
export function saveFile(file: FileResult): string | null {
  if (file.kind === 'blob') {
    saveBlob(file.blob, file.filename);
    return file.filename;
  }
  const link = document.createElement('a');
  link.href = file.url;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  return null;
}

/** An address the API gave as a path ("/s/abc") made absolute, so it can be pasted anywhere. */
export function absoluteUrl(url: string): string {
  try {
    return new URL(url, location.origin).href;
  } catch {
    return url;
  }
}

/** Split ids into batches the bulk endpoints accept. */
export function batches<T>(items: T[], size = MAX_BULK): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

// The model list changes rarely: fetch it once per page load and share it.
let models: Promise<ImageModel[]> | null = null;

export function loadModels(): Promise<ImageModel[]> {
  models ??= api.models().then(
    (result) => result.items,
    (error: unknown) => {
      models = null;
      throw error;
    },
  );
  return models;
}

/** A model's display name from the list, else its id. */
export function modelName(id: string | null | undefined, list: ImageModel[] | null | undefined): string {
  if (!id) return 'Unknown model';
  return list?.find((model) => model.id === id)?.label || id;
}

export { setFlash, takeFlash } from './flash';
