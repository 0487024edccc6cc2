import type { Generation } from '../api';
import { ImageView } from '../components/GeneratedImage';
import { formatNumber, formatSize } from '../format';
import { creditsText } from '../generations';
import type { EditRunner } from './useEditRun';
import { OPERATION_NAMES } from './operations';

/** The latest request's progress, then its pictures, each with a link to it and "Keep editing". */
export function Results({ runner }: { runner: EditRunner }) {
  const run = runner.run;
  if (!run) return null;
  const generation = run.generation;
  const name = OPERATION_NAMES[run.operation];
  return (
    <section class="editor-results" aria-labelledby="results-title" data-testid="edit-results">
      <h2 id="results-title">Result</h2>
      <p class="editor-run-status" role="status" data-testid="edit-status" data-status={statusOf(run.phase, generation)}>
        {statusText(name, run.phase, run.step, generation)}
      </p>
      {run.errors?.form && (
        <p class="alert alert-error" role="alert" data-testid="edit-error">
          {run.errors.form}
        </p>
      )}
      {generation?.status === 'failed' && (
        <p class="alert alert-error" role="alert" data-testid="edit-error">
          {generation.error ?? 'The edit failed.'}
          {generation.refunded_credits > 0 && ` ${creditsText(generation.refunded_credits)} went back to your balance.`}
        </p>
      )}
      {runner.pollError && (
        <p class="alert alert-error" role="alert">
          {runner.pollError}
        </p>
      )}
      {(runner.gaveUp || runner.pollError) && (
        <button type="button" class="btn btn-secondary btn-small" onClick={runner.checkAgain}>
          Check again
        </button>
      )}
      {generation?.status === 'succeeded' && generation.images.length > 0 && (
        <ul class="result-grid editor-result-grid">
          {generation.images.map((image, index) => (
            <li key={image.id} class="result-item" data-testid="edit-result" data-image-id={image.id}>
              <ImageView
                url={image.content_url}
                alt={image.alt}
                width={image.width}
                height={image.height}
                transparent={image.has_alpha}
                contentType={image.content_type}
                testId="edit-result-image"
              />
              <p class="editor-result-meta muted">
                {generation.images.length > 1 ? `Image ${formatNumber(index + 1)} · ` : ''}
                {formatSize(image.width, image.height)} px
              </p>
              <p class="editor-result-actions">
                <a class="btn btn-secondary btn-small" href={`/images/${encodeURIComponent(image.id)}`}>
                  Open<span class="visually-hidden"> result {index + 1}</span>
                </a>
                <a
                  class="btn btn-primary btn-small"
                  href={`/images/${encodeURIComponent(image.id)}/edit`}
                  data-testid="keep-editing"
                >
                  Keep editing<span class="visually-hidden"> result {index + 1}</span>
                </a>
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function statusOf(phase: string, generation: Generation | null): string {
  if (generation) return generation.status;
  return phase === 'done' ? 'refused' : phase;
}

function statusText(name: string, phase: string, step: string | null, generation: Generation | null): string {
  if (phase === 'preparing') return step ?? 'Getting ready…';
  if (phase === 'starting') return 'Sending…';
  if (!generation) return `${name}: not started.`;
  switch (generation.status) {
    case 'queued':
      return `${name}: queued…`;
    case 'running':
      return `${name}: working on it…`;
    case 'succeeded':
      return `${name}: done. ${creditsText(generation.cost_credits - generation.refunded_credits)} spent.`;
    default:
      return `${name}: failed.`;
  }
}
