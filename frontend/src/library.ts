import { api, type FileResult, type ImageModel } from './api';
import { saveBlob } from './generations';
import { formatNumber } from './format';

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

/** GIFs and SVGs: downloaded as they are, they keep their animation or their vectors. */
export function keepsOriginalFormat(contentType: string): boolean {
  return contentType === 'image/gif' || contentType === 'image/svg+xml';
}

/** The download formats for an image; "Original" names a GIF's or an SVG's own format, which a conversion loses. */
export function formatOptions(contentType: string): { value: string; label: string }[] {
  if (contentType === 'image/gif') {
    return [
      { value: '', label: 'Original (GIF)' },
      ...FORMAT_OPTIONS.slice(1).map((option) => ({ value: option.value, label: `${option.label} (first frame)` })),
    ];
  }
  if (contentType === 'image/svg+xml') {
    return [
      { value: '', label: 'Original (SVG)' },
      ...FORMAT_OPTIONS.slice(1).map((option) => ({ value: option.value, label: `${option.label} (rendered)` })),
    ];
  }
  return [...FORMAT_OPTIONS];
}

/** "1 image", "3 images". */
export function imagesText(count: number): string {
  return `${formatNumber(count)} ${count === 1 ? 'image' : 'images'}`;
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

export interface DateGroup<T> {
  key: string;
  label: string;
  items: T[];
}

const DAY_MS = 86_400_000;
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long' });
const dayMonthYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "Today", "Yesterday", "Monday" (this week), "24 November", "24 November 2025": a day in the reader's time zone. */
export function dayLabel(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return 'Earlier';
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return weekday.format(date);
  return date.getFullYear() === now.getFullYear() ? dayMonth.format(date) : dayMonthYear.format(date);
}

/** Items (newest first) grouped by the day they were made, in order. */
export function groupByDay<T>(items: T[], when: (item: T) => string, now = new Date()): DateGroup<T>[] {
  const groups: DateGroup<T>[] = [];
  for (const item of items) {
    const iso = when(item);
    const date = new Date(iso);
    const key = Number.isNaN(date.getTime()) ? 'unknown' : String(startOfDay(date));
    const last = groups[groups.length - 1];
    if (last?.key === key) last.items.push(item);
    else groups.push({ key, label: dayLabel(iso, now), items: [item] });
  }
  return groups;
}

/** Uploads (images to edit, masks) are sources, not results: they have no generation and stay out of the gallery. */
export function isGenerated(image: { generation_id: string | null }): boolean {
  return image.generation_id !== null;
}

export { setFlash, takeFlash } from './flash';
