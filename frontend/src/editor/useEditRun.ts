import { useRef, useState } from 'preact/hooks';
import { api, ApiError, type Generation } from '../api';
import { updateCredits } from '../auth';
import { newIdempotencyKey } from '../credits';
import { describeError, type FormErrors } from '../forms';
import { isFinished } from '../generations';
import { usePoll, type PollSchedule } from '../poll';
import { editApi, type EditOperation, type EditRequest } from './types';

const SCHEDULE: PollSchedule = { firstMs: 700, maxMs: 4_000, backoff: 1.4, giveUpMs: 180_000 };
const POLL_RUNNING_MS = 800;

export type RunPhase = 'preparing' | 'starting' | 'waiting' | 'done';

export interface EditRun {
  operation: EditOperation;
  phase: RunPhase;
  /** What the preparing step is doing, e.g. "Uploading the mask…". */
  step: string | null;
  generation: Generation | null;
  errors: FormErrors | null;
}

export interface EditRunner {
  run: EditRun | null;
  busy: boolean;
  /** The poll gave up or was refused: its message, with checkAgain to resume. */
  pollError: string | null;
  gaveUp: boolean;
  checkAgain: () => void;
  /**
   * Builds the body (which may upload a mask first, saying so through `step`) and starts the generation. `fields`
   * are the tool's field names, so a 400 is shown beside the field it names.
   */
  start: (
    operation: EditOperation,
    fields: readonly string[],
    build: (step: (text: string) => void) => Promise<EditRequest>,
  ) => Promise<void>;
  dismiss: () => void;
}

/** One editing request at a time: started, then followed with GET /v1/generations/{id} until it finishes. */
export function useEditRun(onSucceeded: (generation: Generation) => void): EditRunner {
  const [run, setRun] = useState<EditRun | null>(null);
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const generation = run?.generation ?? null;
  const pollingId = generation && !isFinished(generation.status) ? generation.id : null;
  const poll = usePoll(pollingId, (id, signal) => api.generation(id, signal), {
    schedule: SCHEDULE,
    isFinal: (value) => isFinished(value.status),
    onValue: (value) => setRun((previous) => (previous?.generation?.id === value.id ? { ...previous, generation: value } : previous)),
    onFinal: (value) => {
      setRun((previous) => (previous?.generation?.id === value.id ? { ...previous, phase: 'done' } : previous));
      refreshBalance();
      if (value.status === 'succeeded') onSucceeded(value);
    },
    steadyMs: (value) => (value.status === 'running' ? POLL_RUNNING_MS : null),
  });
  const busy = !!run && run.phase !== 'done' && !(run.phase === 'waiting' && (poll.phase === 'gave_up' || poll.phase === 'error'));

  async function start(
    operation: EditOperation,
    fields: readonly string[],
    build: (step: (text: string) => void) => Promise<EditRequest>,
  ) {
    if (busy) return;
    const step = (text: string) => setRun((previous) => (previous ? { ...previous, step: text } : previous));
    setRun({ operation, phase: 'preparing', step: null, generation: null, errors: null });
    try {
      const body = await build(step);
      setRun({ operation, phase: 'starting', step: null, generation: null, errors: null });
      const bodyKey = JSON.stringify(body);
      // One key per attempt: trying the same request again after network trouble or a server error reuses it.
      if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newIdempotencyKey() };
      const started = await editApi.start(body, attempt.current.key);
      attempt.current = null;
      refreshBalance();
      const finished = isFinished(started.status);
      setRun({ operation, phase: finished ? 'done' : 'waiting', step: null, generation: started, errors: null });
      if (finished && started.status === 'succeeded') onSucceeded(started);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500 && ![409, 429].includes(failure.status)) {
        attempt.current = null;
      }
      setRun({ operation, phase: 'done', step: null, generation: null, errors: describeError(failure, fields) });
    }
  }

  return {
    run,
    busy,
    pollError: poll.phase === 'error' ? poll.error : null,
    gaveUp: poll.phase === 'gave_up',
    checkAgain: poll.checkAgain,
    start,
    dismiss: () => setRun(null),
  };
}

/** The header's balance follows a charge or a refund. */
function refreshBalance(): void {
  api
    .credits()
    .then((result) => updateCredits(result.balance))
    .catch(() => undefined); // The old number stays; the edit's own outcome matters more.
}
