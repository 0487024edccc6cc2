import { api } from './api';

/** How long an image nobody shows stays cached: long enough for a lightbox or a page to show it again at once. */
const KEEP_MS = 60_000;

interface Entry {
  users: number;
  controller: AbortController;
  objectUrl: Promise<string>;
  resolved: string | null;
  timer: ReturnType<typeof setTimeout> | null;
}

const entries = new Map<string, Entry>();

function drop(url: string, entry: Entry): void {
  if (entries.get(url) === entry) entries.delete(url);
  entry.controller.abort();
  if (entry.resolved) URL.revokeObjectURL(entry.resolved);
}

/**
 * An API image (which needs the Authorization header) as a blob: URL, shared by everything that shows the same
 * address: a gallery tile, the lightbox and the detail page fetch it once. Call `release` when it is off screen;
 * the bytes are revoked a minute after the last user let go. A failure is not cached.
 */
export function acquireImage(url: string): { objectUrl: Promise<string>; cached: string | null; release: () => void } {
  let entry = entries.get(url);
  if (!entry) {
    const controller = new AbortController();
    const created: Entry = { users: 0, controller, objectUrl: Promise.resolve(''), resolved: null, timer: null };
    created.objectUrl = api.image(url, 'image', controller.signal).then(
      ({ blob }) => {
        created.resolved = URL.createObjectURL(blob);
        if (entries.get(url) !== created) URL.revokeObjectURL(created.resolved);
        return created.resolved;
      },
      (error: unknown) => {
        if (entries.get(url) === created) entries.delete(url);
        throw error;
      },
    );
    entries.set(url, created);
    entry = created;
  }
  const held = entry;
  held.users += 1;
  if (held.timer) {
    clearTimeout(held.timer);
    held.timer = null;
  }
  let released = false;
  return {
    objectUrl: held.objectUrl,
    cached: held.resolved,
    release: () => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users > 0) return;
      // Nobody waits for it any more: stop the download; once downloaded, keep it a while.
      if (!held.resolved) drop(url, held);
      else held.timer = setTimeout(() => held.users === 0 && drop(url, held), KEEP_MS);
    },
  };
}

/** The blob: URL of an image already downloaded, if any: a first render can show it straight away. */
export function cachedImage(url: string): string | null {
  return entries.get(url)?.resolved ?? null;
}

/** Forget a cached image at once (it was deleted). */
export function forgetImage(url: string): void {
  const entry = entries.get(url);
  if (entry) drop(url, entry);
}
