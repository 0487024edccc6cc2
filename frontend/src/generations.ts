import type { GenerationStatus, ImageModel, PromptTemplate } from './api';
import { formatCredits } from './format';

export const GENERATION_STATUS_LABELS: Record<GenerationStatus, string> = {
  queued: 'Queued',
  running: 'Generating',
  succeeded: 'Done',
  failed: 'Failed',
};

export function generationStatusLabel(status: string): string {
  return GENERATION_STATUS_LABELS[status as GenerationStatus] ?? status.replace(/_/g, ' ');
}

export function isFinished(status: GenerationStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

/** "1 credit", "12 credits", "−3 credits". */
export function creditsText(credits: number): string {
  return `${formatCredits(credits)} ${Math.abs(credits) === 1 ? 'credit' : 'credits'}`;
}

/** How the model is named in the picker: the API's label, which already says "Offline placeholder (not AI)". */
export function modelLabel(model: ImageModel): string {
  return model.label || model.id;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/svg+xml': 'svg',
};

/** The file extension for an image's content type; PNG when unknown. */
export function imageExtension(contentType: string | null | undefined): string {
  return (contentType && EXTENSIONS[contentType.split(';')[0].trim()]) || 'png';
}

export function titleCase(text: string): string {
  const words = text.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Put each variable's value into the template; a variable not filled in yet keeps its {placeholder}. */
export function fillTemplate(template: PromptTemplate, values: Record<string, string>): string {
  return template.template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = values[name]?.trim();
    return value ? value : whole;
  });
}

/** The template's variables that are still unfilled placeholders in the prompt. */
export function unfilledVariables(template: PromptTemplate, prompt: string): string[] {
  return template.variables.filter((name) => prompt.includes(`{${name}}`));
}

/** Hand a file to the browser's download: an <a download> on a short-lived blob: URL. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
