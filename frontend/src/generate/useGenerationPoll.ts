import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Generation } from '../api';
import { describeError } from '../forms';
import { isFinished } from '../generations';

export type PollPhase = 'idle' | 'polling' | 'done' | 'gave_up' | 'error';

/** While queued: every 700 ms at first, backing off to every 5 s. While running (previews may stream): every 700 ms. */
const POLL_FIRST_MS = 700;
const POLL_RUNNING_MS = 700;
const POLL_MAX_MS = 5_000;
const POLL_BACKOFF = 1.4;
const POLL_GIVE_UP_MS = 180_000;

export interface GenerationPoll {
  generation: Generation | null;
  phase: PollPhase;
  error: string | null;
  /** Show this generation and follow it until it finishes. */
  show: (generation: Generation) => void;
  /** After giving up: poll again. */
  checkAgain: () => void;
}

/** The generation on show, polled with GET /v1/generations/{id} until it succeeds or fails. */
export function useGenerationPoll(onFinished: (generation: Generation) => void): GenerationPoll {
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [phase, setPhase] = useState<PollPhase>('idle');
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  const pollingId = generation && !isFinished(generation.status) ? generation.id : null;
  useEffect(() => {
    if (!pollingId) return;
    const controller = new AbortController();
    const startedAt = Date.now();
    let delay = POLL_FIRST_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setPhase('polling');
    setError(null);

    async function poll() {
      let running = false;
      try {
        const result = await api.generation(pollingId!, controller.signal);
        if (controller.signal.aborted) return;
        setGeneration(result);
        if (isFinished(result.status)) {
          setPhase('done');
          finished.current(result);
          return;
        }
        running = result.status === 'running';
      } catch (failure) {
        if (controller.signal.aborted) return;
        // A definite "no" ends it; network trouble and server errors are retried.
        if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500 && failure.status !== 429) {
          setError(describeError(failure, []).form);
          setPhase('error');
          return;
        }
      }
      const next = running ? POLL_RUNNING_MS : delay;
      if (Date.now() - startedAt + next > POLL_GIVE_UP_MS) {
        setPhase('gave_up');
        return;
      }
      timer = setTimeout(poll, next);
      if (!running) delay = Math.min(POLL_MAX_MS, Math.round(delay * POLL_BACKOFF));
    }

    timer = setTimeout(poll, delay);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [pollingId, round]);

  function show(next: Generation) {
    setGeneration(next);
    setError(null);
    setPhase(isFinished(next.status) ? 'done' : 'polling');
  }

  return { generation, phase, error, show, checkAgain: () => setRound((n) => n + 1) };
}
