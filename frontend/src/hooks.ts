import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { describeError } from './forms';

export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · Pixmint` : 'Pixmint — AI images, pay as you go';
  }, [title]);
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  /** The HTTP status of the failure, when the API answered (e.g. 404); 0 for network trouble. */
  errorStatus: number | null;
  loading: boolean;
  retry: () => void;
}

/**
 * Load something from the API when the component mounts (and again on retry or when deps change).
 * Aborts on unmount; errors become the same messages forms show.
 */
export function useApiData<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; errorStatus: number | null; loading: boolean }>({
    data: null,
    error: null,
    errorStatus: null,
    loading: true,
  });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, error: null, errorStatus: null, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, errorStatus: null, loading: false });
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) {
          const errorStatus = failure instanceof ApiError ? failure.status : null;
          setState((previous) => ({ ...previous, error: describeError(failure, []).form, errorStatus, loading: false }));
        }
      },
    );
    return () => controller.abort();
  }, [attempt, ...deps]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, retry };
}

/** The value, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** Whether a media query matches, following it as the window changes. */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const update = () => setMatches(list.matches);
    update();
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}

/**
 * While `active`, everything on the page but `element` (and what `keep` names) is inert: out of reach of the
 * mouse, the keyboard and screen readers, as behind a modal dialog.
 */
export function useInertOutside(element: { current: HTMLElement | null }, active: boolean, keep?: (node: Element) => boolean): void {
  useEffect(() => {
    const target = element.current;
    if (!active || !target) return;
    const made: HTMLElement[] = [];
    for (let node: HTMLElement | null = target; node && node !== document.body; node = node.parentElement) {
      const parent: HTMLElement | null = node.parentElement;
      if (!parent) break;
      for (const sibling of Array.from(parent.children)) {
        if (sibling === node || !(sibling instanceof HTMLElement) || sibling.inert || keep?.(sibling)) continue;
        sibling.inert = true;
        made.push(sibling);
      }
    }
    return () => made.forEach((node) => (node.inert = false));
  }, [active]);
}
