import { useEffect, useState } from 'preact/hooks';
import { api, type GenerationRequest, type Quote } from '../api';
import { describeError, type FormErrors } from '../forms';

const QUOTE_DEBOUNCE_MS = 350;

interface QuoteState {
  key: string;
  quote: Quote | null;
  errors: FormErrors | null;
}

export interface LiveQuote {
  /** The quote for exactly this body, once it has arrived. */
  quote: Quote | null;
  /** The API's complaint about this body, beside its field or for the form. */
  errors: FormErrors | null;
  quoting: boolean;
}

/**
 * Ask POST /v1/generations/quote for the body the generate request would send, once the inputs have
 * settled; `fields` are the form's field names, so a 400 can be shown beside the field it names.
 */
export function useQuote(body: GenerationRequest | null, fields: readonly string[]): LiveQuote {
  const bodyKey = body ? JSON.stringify(body) : '';
  const [state, setState] = useState<QuoteState | null>(null);
  const [quoting, setQuoting] = useState(false);

  useEffect(() => {
    if (!body || state?.key === bodyKey) {
      setQuoting(false);
      return;
    }
    const controller = new AbortController();
    setQuoting(true);
    const timer = setTimeout(() => {
      api.quote(body, controller.signal).then(
        (quote) => {
          if (controller.signal.aborted) return;
          setState({ key: bodyKey, quote, errors: null });
          setQuoting(false);
        },
        (failure: unknown) => {
          if (controller.signal.aborted) return;
          setState({ key: bodyKey, quote: null, errors: describeError(failure, fields) });
          setQuoting(false);
        },
      );
    }, QUOTE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [bodyKey]);

  const current = state && state.key === bodyKey ? state : null;
  return { quote: current?.quote ?? null, errors: current?.errors ?? null, quoting: !!body && quoting };
}
