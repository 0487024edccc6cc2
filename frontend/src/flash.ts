// A message for the next page to show, e.g. "Image deleted." after leaving a deleted image's page.
let flash: string | null = null;

export function setFlash(message: string): void {
  flash = message;
}

export function takeFlash(): string | null {
  const message = flash;
  flash = null;
  return message;
}
