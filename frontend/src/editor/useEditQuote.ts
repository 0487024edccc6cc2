import { useEffect, useState } from 'preact/hooks';
import type { Quote } from '../api';
import { describeError, type FormErrors } from '../forms';
import { editApi, type EditRequest } from './types';

const QUOTE_DEBOUNCE_MS = 300;

export interface EditQuote {
  quote: Quote | null;
  errors: FormErrors | null;
  quoting: boolean;
}

/** POST /v1/generations/quote for the body the tool would send, once its inputs have settled; null asks nothing. */
export function useEditQuote(body: EditRequest | null, fields: readonly string[]): EditQuote {
  const key = body ? JSON.stringify(body) : '';
  const [state, setState] = useState<{ key: string; quote: Quote | null; errors: FormErrors | null } | null>(null);

  useEffect(() => {
    if (!body) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      editApi.quote(body, controller.signal).then(
        (quote) => !controller.signal.aborted && setState({ key, quote, errors: null }),
        (failure: unknown) =>
          !controller.signal.aborted && setState({ key, quote: null, errors: describeError(failure, fields) }),
      );
    }, QUOTE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key]);

  const current = state?.key === key ? state : null;
  return { quote: current?.quote ?? null, errors: current?.errors ?? null, quoting: !!body && !current };
}
