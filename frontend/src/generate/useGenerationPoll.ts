import { useState } from 'preact/hooks';
import { api, type Generation } from '../api';
import { isFinished } from '../generations';
import { usePoll, type PollPhase, type PollSchedule } from '../poll';

export type { PollPhase } from '../poll';

/** While queued: every 700 ms at first, backing off to every 5 s. While running (previews may stream): every 700 ms. */
const SCHEDULE: PollSchedule = { firstMs: 700, maxMs: 5_000, backoff: 1.4, giveUpMs: 180_000 };
const POLL_RUNNING_MS = 700;

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
  const pollingId = generation && !isFinished(generation.status) ? generation.id : null;
  const poll = usePoll(pollingId, (id, signal) => api.generation(id, signal), {
    schedule: SCHEDULE,
    isFinal: (result) => isFinished(result.status),
    onValue: setGeneration,
    onFinal: onFinished,
    steadyMs: (result) => (result.status === 'running' ? POLL_RUNNING_MS : null),
  });
  return {
    generation,
    phase: generation ? (pollingId ? poll.phase : 'done') : 'idle',
    error: poll.error,
    show: setGeneration,
    checkAgain: poll.checkAgain,
  };
}
