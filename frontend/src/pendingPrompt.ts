// A prompt written on the landing page before signing up, kept for this tab until the new account opens Generate.
const KEY = 'pixmint.pendingPrompt';
const MAX_LENGTH = 4000;

export function keepPendingPrompt(prompt: string): void {
  try {
    sessionStorage.setItem(KEY, prompt.slice(0, MAX_LENGTH));
  } catch {
    // Storage off (private mode, quota): the prompt is simply not carried over.
  }
}

export function peekPendingPrompt(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function takePendingPrompt(): string {
  const prompt = peekPendingPrompt();
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing kept, nothing to remove.
  }
  return prompt;
}

/** Generate with this prompt in the box (read once by the Generate page). */
export function generateHref(prompt: string): string {
  return `/generate?${new URLSearchParams({ prompt }).toString()}`;
}
