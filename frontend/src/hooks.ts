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
