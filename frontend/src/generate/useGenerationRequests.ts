import { useRef, useState } from 'preact/hooks';
import { ApiError, api, type GenerationRequest } from '../api';
import { updateCredits } from '../auth';
import { newIdempotencyKey } from '../credits';
import { describeError } from '../forms';
import { refreshBalance } from './balance';
import { retryRequest } from './options';
import type { GenerationPoll } from './useGenerationPoll';
import type { ModelChoice } from './useModelChoice';

export interface Shortfall {
  cost: number;
  balance: number;
}

/** How a request went, besides being accepted: the ones each caller shows in its own place. */
export type Refusal = { kind: 'short'; shortfall: Shortfall } | { kind: 'withdrawn'; model: string };

interface Deps {
  poll: GenerationPoll;
  choice: ModelChoice;
  /** The price shown, for a 402 that doesn't name its own. */
  cost: number | null;
  balance: number;
  /** A generation was created (the recent list has a new one). */
  onCreated: () => void;
}

/**
 * Generation requests from the form, with one Idempotency-Key per attempt, and "Try again" for a failed one, which
 * sends its exact request as a new generation (a new key).
 */
export function useGenerationRequests({ poll, choice, cost, balance, onCreated }: Deps) {
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const [shortfall, setShortfall] = useState<Shortfall | null>(null);
  const [retryBusy, setRetryBusy] = useState(false);
  const [retryRefusal, setRetryRefusal] = useState<Refusal | null>(null);
  const [retryError, setRetryError] = useState<string | null>(null);

  /** Send a generation request; on success show it and follow it. Other refusals are thrown. */
  async function send(request: GenerationRequest, key: string): Promise<Refusal | null> {
    try {
      const created = await api.generate(request, key);
      poll.show(created);
      setRetryRefusal(null);
      setRetryError(null);
      refreshBalance();
      onCreated();
      return null;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'insufficient_credits') {
        const price = numberDetail(error.details.cost) ?? cost ?? 0;
        const have = numberDetail(error.details.balance) ?? balance;
        updateCredits(have);
        return { kind: 'short', shortfall: { cost: price, balance: have } };
      }
      if (error instanceof ApiError && error.code === 'model_unavailable' && request.model) {
        const gone = request.model;
        choice.withdraw(gone);
        return { kind: 'withdrawn', model: gone };
      }
      throw error;
    }
  }

  /** Before the form sends again: the last attempt's refusals no longer apply. */
  function startForm() {
    setShortfall(null);
    choice.setRefused(null);
  }

  /** The form's request; a refusal shows on the form, any other failure is thrown for the form to show. */
  async function sendForm(body: GenerationRequest) {
    const bodyKey = JSON.stringify(body);
    // One key per attempt: a double click or a retry of the same request reuses it.
    if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newIdempotencyKey() };
    try {
      const refusal = await send(body, attempt.current.key);
      attempt.current = null; // Done: the next click is a new request, even with the same prompt.
      if (refusal?.kind === 'short') setShortfall(refusal.shortfall);
      if (refusal?.kind === 'withdrawn') choice.setRefused(refusal.model);
    } catch (error) {
      // A definite refusal ends this attempt; after network trouble or a server error, retry with the same key.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && ![409, 429].includes(error.status)) {
        attempt.current = null;
      }
      throw error;
    }
  }

  /** The failed generation's exact request again, as a new generation (a new Idempotency-Key). */
  async function retry(modelOverride?: string) {
    const failed = poll.generation;
    if (retryBusy || !failed) return;
    setRetryBusy(true);
    setRetryRefusal(null);
    setRetryError(null);
    try {
      const request = retryRequest(failed);
      setRetryRefusal(await send(modelOverride ? { ...request, model: modelOverride } : request, newIdempotencyKey()));
    } catch (error) {
      setRetryError(describeError(error, []).form);
    } finally {
      setRetryBusy(false);
    }
  }

  return { shortfall, startForm, sendForm, retry, retryBusy, retryRefusal, retryError };
}

function numberDetail(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
