import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api, type Generation } from '../api';
import { DownloadImageButton, ImageView } from '../components/GeneratedImage';
import { describeError } from '../forms';
import { creditsText, imageExtension, isFinished } from '../generations';
import { parseSize } from './options';
import { PendingSlot, PreviewImage } from './PreviewImage';
import type { PollPhase } from './useGenerationPoll';
import '../styles/images.css';

interface OutputProps {
  generation: Generation;
  phase: PollPhase;
  error: string | null;
  onCheckAgain: () => void;
  /** The generation as the cancel left it (failed, refunded). */
  onCancelled: (generation: Generation) => void;
  /** Make the same request again as a new generation. */
  onRetry: () => void;
  retryBusy: boolean;
  /** Why the retry didn't go through, with what to do next. */
  retryProblem: ComponentChildren | null;
}

/**
 * The generation on show: its status, a Cancel button while queued, the partial images while it
 * renders, then the images; "Try again" when it failed. Keyed by the generation's id.
 */
export function GenerationOutput(props: OutputProps) {
  const { generation, phase, error, onCheckAgain, onCancelled, onRetry, retryBusy, retryProblem } = props;
  const { status, images, n, previews } = generation;
  const finished = isFinished(status);
  const [cancelling, setCancelling] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const failedCount = Math.max(0, n - images.length);
  const lines = statusLines(generation, phase, error, cancelled);
  const shape = parseSize(generation.size) ?? { width: 1, height: 1 };
  const showSlots = !finished && (previews?.length ?? 0) > 0;

  async function cancel() {
    if (cancelling) return;
    setCancelling(true);
    setCancelError(null);
    try {
      const result = await api.cancelGeneration(generation.id);
      setCancelled(true);
      onCancelled(result);
    } catch (failure) {
      setCancelError(
        failure instanceof ApiError && failure.status === 409
          ? "It has already started, so it can't be cancelled now."
          : describeError(failure, []).form,
      );
    } finally {
      setCancelling(false);
    }
  }

  return (
    <section class="section generation-output" aria-labelledby="output-title">
      <h2 id="output-title">{finished ? 'Your images' : 'Creating your images'}</h2>
      <div class={`card generation-status generation-${status}`} aria-busy={!finished ? 'true' : undefined}>
        {!finished && <span class="progress" aria-hidden="true" />}
        <div role="status" data-testid="generation-status" data-status={status}>
          {lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
          {cancelError && <p>{cancelError}</p>}
        </div>
        <div class="generation-actions">
          {status === 'queued' && (
            <button
              type="button"
              class="btn btn-secondary"
              onClick={() => void cancel()}
              aria-disabled={cancelling ? 'true' : undefined}
              aria-busy={cancelling ? 'true' : undefined}
              data-testid="cancel-generation"
            >
              {cancelling && <span class="spinner" aria-hidden="true" />}
              Cancel<span class="visually-hidden"> this generation</span>
            </button>
          )}
          {phase === 'gave_up' && !finished && (
            <button type="button" class="btn btn-secondary" onClick={onCheckAgain}>
              Check again
            </button>
          )}
          {status === 'failed' && (
            <button
              type="button"
              class="btn btn-primary"
              onClick={onRetry}
              aria-disabled={retryBusy ? 'true' : undefined}
              aria-busy={retryBusy ? 'true' : undefined}
              data-testid="retry-generation"
            >
              {retryBusy && <span class="spinner" aria-hidden="true" />}
              Try again<span class="visually-hidden"> with the same settings</span>
            </button>
          )}
        </div>
        {retryProblem && (
          <div class="alert alert-error retry-problem" role="alert" data-testid="retry-problem">
            {retryProblem}
          </div>
        )}
      </div>

      {showSlots && (
        <ul class="result-grid" aria-label="Images being rendered" data-testid="preview-grid">
          {Array.from({ length: n }, (_, index) => {
            const preview = previews.find((item) => item.index === index);
            return (
              <li key={index} class="result-item">
                {preview ? (
                  <PreviewImage
                    url={preview.url}
                    round={generation}
                    position={index}
                    count={n}
                    width={shape.width}
                    height={shape.height}
                  />
                ) : (
                  <PendingSlot width={shape.width} height={shape.height} />
                )}
              </li>
            );
          })}
        </ul>
      )}

      {images.length > 0 && (
        <ul class="result-grid" aria-label="Generated images">
          {images.map((image, index) => (
            <li key={image.id} class="result-item">
              <a href={`/images/${encodeURIComponent(image.id)}`} class="result-link" data-testid="result-link">
                <ImageView
                  url={image.content_url}
                  alt={image.alt}
                  width={image.width}
                  height={image.height}
                  transparent={image.has_alpha}
                  contentType={image.content_type}
                  testId="result-image"
                />
              </a>
              <div class="result-actions">
                <span class="muted">
                  {image.width} × {image.height}
                  {(image.frames ?? 1) > 1 ? ` · ${image.frames} frames` : ''} ·{' '}
                  <a href={`/images/${encodeURIComponent(image.id)}`}>
                    Details
                    <span class="visually-hidden">
                      {images.length > 1 ? ` of image ${index + 1} of ${images.length}` : ' of the image'}
                    </span>
                  </a>
                </span>
                <DownloadImageButton
                  url={image.content_url}
                  label={images.length > 1 ? `Download image ${index + 1} of ${images.length}` : 'Download image'}
                  fallbackName={`pixmint-${image.id}.${imageExtension(image.content_type)}`}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
      {status === 'succeeded' && failedCount > 0 && images.length > 0 && (
        <p class="muted">
          {failedCount} of {n} images could not be made.
        </p>
      )}
    </section>
  );
}

function statusLines(generation: Generation, phase: PollPhase, error: string | null, cancelled: boolean): string[] {
  const { status, n, images, refunded_credits: refunded } = generation;
  const refund = refunded > 0 ? `${creditsText(refunded)} refunded.` : null;
  const reason = generation.error?.trim();
  const lines: string[] = [];
  switch (status) {
    case 'queued':
      lines.push(`Queued: your ${n === 1 ? 'image is' : `${n} images are`} waiting to start…`);
      break;
    case 'running':
      lines.push(`Generating ${n === 1 ? 'your image' : `${n} images`}…`);
      break;
    case 'succeeded':
      lines.push(images.length === 1 ? 'Done: your image is ready.' : `Done: ${images.length} images are ready.`);
      if (images.length < n && reason) lines.push(`Some images failed: ${reason}`);
      if (refund) lines.push(refund);
      break;
    case 'failed':
      lines.push(cancelled ? 'Cancelled before it started.' : `Generation failed${reason ? `: ${reason}` : '.'}`);
      lines.push(refund ?? 'No credits were refunded.');
      break;
  }
  if (!isFinished(status)) {
    if (phase === 'gave_up') {
      lines.push('This is taking longer than usual. You can leave this page; your images will appear under Recent generations.');
    } else if (phase === 'error' && error) {
      lines.push(error);
    }
  }
  return lines;
}
