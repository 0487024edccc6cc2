import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from './forms';

export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · Pixmint` : 'Pixmint — AI images, pay as you go';
  }, [title]);
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  retry: () => void;
}

/**
 * Load something from the API when the component mounts (and again on retry or when deps change).
 * Aborts on unmount; errors become the same messages forms show.
 */
export function useApiData<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, error: null, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) {
          setState((previous) => ({ ...previous, error: describeError(failure, []).form, loading: false }));
        }
      },
    );
    return () => controller.abort();
  }, [attempt, ...deps]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, retry };
}
