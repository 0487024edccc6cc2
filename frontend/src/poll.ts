import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { describeError } from './forms';

export type PollPhase = 'idle' | 'polling' | 'done' | 'gave_up' | 'error';

/** Wait `firstMs`, then `backoff` times longer after each answer, at most `maxMs`, until `giveUpMs` have passed. */
export interface PollSchedule {
  firstMs: number;
  maxMs: number;
  backoff: number;
  giveUpMs: number;
  /** Ask at once instead of after the first wait. */
  atOnce?: boolean;
}

export interface PollOptions<T> {
  schedule: PollSchedule;
  /** True once the answer will not change any more. */
  isFinal: (value: T) => boolean;
  /** Every answer, the final one too. */
  onValue: (value: T) => void;
  /** After the final answer and before the phase is done, e.g. to load what it changed. */
  onFinal?: (value: T, signal: AbortSignal) => unknown;
  /** A fixed wait instead of the backoff after this answer (e.g. a running generation streams previews). */
  steadyMs?: (value: T) => number | null;
}

export interface Poll {
  /** `idle` while there is nothing to follow. */
  phase: PollPhase;
  error: string | null;
  /** After giving up or a refusal: start again. */
  checkAgain: () => void;
}

/**
 * Ask `load(key)` until its answer is final, backing off; null stops. A definite "no" (a 4xx other than 429) ends it
 * with that error; network trouble and server errors are asked again.
 */
export function usePoll<T>(
  key: string | null,
  load: (key: string, signal: AbortSignal) => Promise<T>,
  options: PollOptions<T>,
): Poll {
  const [state, setState] = useState<{ key: string; phase: PollPhase; error: string | null } | null>(null);
  const [round, setRound] = useState(0);
  // The callbacks of the latest render, without restarting the poll when they change.
  const latest = useRef({ load, options });
  latest.current = { load, options };

  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    const { schedule } = latest.current.options;
    const startedAt = Date.now();
    let delay = schedule.firstMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (phase: PollPhase, error: string | null = null) => setState({ key, phase, error });
    settle('polling');

    async function poll() {
      const { load, options } = latest.current;
      let steady: number | null = null;
      try {
        const value = await load(key!, controller.signal);
        if (controller.signal.aborted) return;
        options.onValue(value);
        if (options.isFinal(value)) {
          await options.onFinal?.(value, controller.signal);
          if (!controller.signal.aborted) settle('done');
          return;
        }
        steady = options.steadyMs?.(value) ?? null;
      } catch (failure) {
        if (controller.signal.aborted) return;
        if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500 && failure.status !== 429) {
          settle('error', describeError(failure, []).form);
          return;
        }
      }
      const next = steady ?? delay;
      if (Date.now() - startedAt + next > schedule.giveUpMs) {
        settle('gave_up');
        return;
      }
      timer = setTimeout(poll, next);
      if (steady === null) delay = Math.min(schedule.maxMs, Math.round(delay * schedule.backoff));
    }

    if (schedule.atOnce) void poll();
    else timer = setTimeout(poll, delay);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key, round]);

  const current = key && state?.key === key ? state : null;
  return {
    phase: key ? (current?.phase ?? 'polling') : 'idle',
    error: current?.error ?? null,
    checkAgain: () => setRound((n) => n + 1),
  };
}
