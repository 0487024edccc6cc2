import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api, type Generation, type GeneratedImage } from '../api';
import { useImageUrl } from '../components/GeneratedImage';
import { Icon } from '../components/Icon';
import { ImageActions } from '../components/ImageActions';
import { Lightbox, type LightboxItem } from '../components/Lightbox';
import { ratioStyle } from '../components/ratio';
import { formatNumber, formatSize } from '../format';
import { describeError } from '../forms';
import { creditsText, isFinished } from '../generations';
import { parseSize } from './options';
import { PendingSlot, PreviewImage } from './PreviewImage';
import type { PollPhase } from './useGenerationPoll';
import '../styles/images.css';

/** How many images and of what size: enough to reserve their frames before anything of them exists. */
export interface Shape {
  n: number;
  size: string;
}

interface StageProps {
  generation: Generation | null;
  /** A request on its way: its frames are shown before the API has answered. */
  sending: Shape | null;
  /** What the settings would make now, drawn as empty frames until something has been made. */
  planned: Shape;
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
  onUsePrompt: (prompt: string) => void;
  onMessage: (text: string) => void;
}

/** Columns for n frames of this shape on a stage about 16:10: the layout that makes each frame largest. */
export function stageColumns(n: number, ratio: number): number {
  let best = 1;
  let bestWidth = 0;
  for (let columns = 1; columns <= Math.min(n, 4); columns += 1) {
    const rows = Math.ceil(n / columns);
    const width = Math.min(1 / columns, (0.62 / rows) * ratio);
    if (width > bestWidth + 1e-9) {
      best = columns;
      bestWidth = width;
    }
  }
  return best;
}

type Mode = 'planned' | 'sending' | 'rendering' | 'done';

/**
 * Where the images appear: a frame for each one, reserved at its aspect ratio before the request is even answered,
 * that fills in with the partial images while it renders and then with the images, so nothing on the page moves.
 * A status line above says what is happening, with Cancel while queued and "Try again" after a failure.
 */
export function Stage(props: StageProps) {
  const { generation, sending, planned, phase, error, onCheckAgain, onCancelled, onRetry, retryBusy, retryProblem } = props;
  const { onUsePrompt, onMessage } = props;
  const [cancelling, setCancelling] = useState(false);
  const [cancelled, setCancelled] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [favorites, setFavorites] = useState<Record<string, boolean>>({});
  const [open, setOpen] = useState<number | null>(null);

  const mode: Mode = sending ? 'sending' : !generation ? 'planned' : isFinished(generation.status) ? 'done' : 'rendering';
  const shape: Shape = sending ?? (generation ? { n: generation.n, size: generation.size } : planned);
  const dimensions = parseSize(shape.size) ?? { width: 1, height: 1 };
  const ratio = dimensions.width / dimensions.height;
  const columns = stageColumns(shape.n, ratio);
  const rows = Math.ceil(shape.n / columns);
  const images = generation && mode === 'done' ? generation.images.map((image) => withFavorite(image, favorites)) : [];
  const shown = mode === 'done' || mode === 'rendering' ? generation : null;

  async function cancel() {
    if (cancelling || !generation) return;
    setCancelling(true);
    setCancelError(null);
    try {
      const result = await api.cancelGeneration(generation.id);
      setCancelled(generation.id);
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

  const which = (index: number) => (shape.n > 1 ? `image ${formatNumber(index + 1)} of ${formatNumber(shape.n)}` : 'the image');
  const listLabel =
    mode === 'done' ? 'Generated images' : mode === 'rendering' ? 'Images being rendered' : mode === 'sending' ? 'Images requested' : 'Your next images';
  const status = generation?.status;

  return (
    <section class="stage" aria-labelledby="output-title" data-mode={mode}>
      <h2 id="output-title" class="visually-hidden">
        {mode === 'done' ? 'Your images' : mode === 'planned' ? 'Results' : 'Creating your images'}
      </h2>
      <div class={`stage-status${status ? ` generation-${status}` : ''}`} aria-busy={mode === 'rendering' || mode === 'sending' ? 'true' : undefined}>
        {(mode === 'rendering' || mode === 'sending') && <span class="progress" aria-hidden="true" />}
        <div class="stage-status-text" role="status" data-testid="generation-status" data-status={mode === 'sending' ? 'sending' : (status ?? 'idle')}>
          {statusText(mode, generation, phase, error, cancelled === generation?.id)}
          {cancelError && <> {cancelError}</>}
        </div>
        <div class="generation-actions">
          {mode === 'rendering' && status === 'queued' && (
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={() => void cancel()}
              aria-disabled={cancelling ? 'true' : undefined}
              aria-busy={cancelling ? 'true' : undefined}
              data-testid="cancel-generation"
            >
              {cancelling && <span class="spinner" aria-hidden="true" />}
              Cancel<span class="visually-hidden"> this generation</span>
            </button>
          )}
          {phase === 'gave_up' && mode === 'rendering' && (
            <button type="button" class="btn btn-secondary btn-small" onClick={onCheckAgain}>
              Check again
            </button>
          )}
          {mode === 'done' && status === 'failed' && (
            <button
              type="button"
              class="btn btn-primary btn-small"
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
      </div>
      {retryProblem && (
        <div class="alert alert-error retry-problem" role="alert" data-testid="retry-problem">
          {retryProblem}
        </div>
      )}

      <ul
        class={`stage-grid cols-${columns}`}
        style={{ '--rows': String(rows) }}
        aria-label={listLabel}
        data-testid={mode === 'rendering' ? 'preview-grid' : mode === 'done' ? 'result-grid' : 'stage-grid'}
      >
        {Array.from({ length: shape.n }, (_, index) => {
          const image = images[index];
          const preview = mode === 'rendering' ? shown?.previews?.find((item) => item.index === index) : undefined;
          return (
            <li key={index} class="stage-item" style={ratioStyle(dimensions.width, dimensions.height)}>
              <div class={image?.has_alpha ? 'stage-slot is-transparent' : 'stage-slot'}>
                {image ? (
                  <ResultImage image={image} onOpen={() => setOpen(index)} />
                ) : preview && shown ? (
                  <PreviewImage
                    url={preview.url}
                    round={shown}
                    position={index}
                    count={shape.n}
                    width={dimensions.width}
                    height={dimensions.height}
                  />
                ) : mode === 'rendering' || mode === 'sending' ? (
                  <PendingSlot label={mode === 'sending' ? 'sending…' : status === 'queued' ? 'queued…' : 'waiting…'} />
                ) : mode === 'done' ? (
                  <p class="slot-note">{status === 'failed' ? 'Not made' : "This one couldn't be made"}</p>
                ) : (
                  <p class="slot-note slot-empty">{index === 0 ? 'Your images appear here' : ''}</p>
                )}
                {image && (
                  <div class="stage-actions">
                    <button
                      type="button"
                      class="btn btn-small btn-icon image-action"
                      onClick={() => setOpen(index)}
                      aria-label={`View ${which(index)} larger`}
                      title="View larger"
                      data-testid="result-open"
                    >
                      <Icon name="expand" />
                    </button>
                    <ImageActions
                      image={image}
                      which={which(index)}
                      actions={['prompt', 'favorite', 'download', 'share']}
                      compact
                      onUsePrompt={onUsePrompt}
                      onFavorite={(on) => setFavorites((previous) => ({ ...previous, [image.id]: on }))}
                      onMessage={onMessage}
                    />
                  </div>
                )}
              </div>
              <p class="stage-caption">
                {image ? (
                  <>
                    <span class="stage-meta">
                      {formatSize(image.width, image.height)}
                      {(image.frames ?? 1) > 1 ? ` · ${formatNumber(image.frames ?? 1)} frames` : ''}
                    </span>
                    <a href={`/images/${encodeURIComponent(image.id)}`} data-testid="result-link">
                      Details<span class="visually-hidden"> of {which(index)}</span>
                    </a>
                  </>
                ) : (
                  <span class="stage-meta muted">{mode === 'planned' ? formatSize(dimensions.width, dimensions.height) : '\u00a0'}</span>
                )}
              </p>
            </li>
          );
        })}
      </ul>

      <Lightbox
        items={images.map(lightboxItem)}
        index={open !== null && open < images.length ? open : null}
        onIndex={setOpen}
        onClose={() => setOpen(null)}
        label="Generated images"
        actions={(index, say) => {
          const image = images[index];
          return (
            <ImageActions
              key={image.id}
              image={image}
              which={which(index)}
              actions={['prompt', 'edit', 'vary', 'upscale', 'favorite', 'download', 'share', 'details']}
              onUsePrompt={(prompt) => {
                setOpen(null);
                onUsePrompt(prompt);
              }}
              onFavorite={(on) => setFavorites((previous) => ({ ...previous, [image.id]: on }))}
              onMessage={say}
              testIdPrefix="lightbox"
            />
          );
        }}
      />
    </section>
  );
}

function withFavorite(image: GeneratedImage, favorites: Record<string, boolean>): GeneratedImage {
  const favorite = favorites[image.id];
  return favorite === undefined ? image : { ...image, favorite };
}

export function lightboxItem(image: GeneratedImage): LightboxItem {
  return {
    key: image.id,
    access: 'api',
    thumbnailUrl: image.thumbnail_url,
    fullUrl: image.content_url,
    alt: image.alt,
    width: image.width,
    height: image.height,
    title: image.prompt ?? image.alt,
    transparent: image.has_alpha,
  };
}

/** A finished image filling its frame; a click (or the View larger button) opens the lightbox. */
function ResultImage({ image, onOpen }: { image: GeneratedImage; onOpen: () => void }) {
  const { src, error, retry } = useImageUrl(image.content_url);
  return (
    <a
      href={`/images/${encodeURIComponent(image.id)}`}
      class="stage-open"
      onClick={(event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        // The lightbox, not the router: a plain click stays on this page (a new tab still opens the details).
        event.preventDefault();
        event.stopPropagation();
        onOpen();
      }}
      aria-busy={!src && !error ? 'true' : undefined}
    >
      <img
        src={src ?? undefined}
        alt={image.alt}
        width={image.width}
        height={image.height}
        data-testid="result-image"
        data-content-type={image.content_type}
        decoding="async"
      />
      {!src && !error && <span class="spinner image-spinner" aria-hidden="true" />}
      {error && (
        <span class="image-error">
          <span>Image didn't load.</span>
          <button
            type="button"
            class="btn btn-secondary btn-small"
            onClick={(event) => {
              event.preventDefault();
              event.stopPropagation();
              retry();
            }}
          >
            Retry
          </button>
        </span>
      )}
    </a>
  );
}

function statusText(mode: Mode, generation: Generation | null, phase: PollPhase, error: string | null, cancelled: boolean): string {
  if (mode === 'planned' || !generation) {
    return mode === 'sending' ? 'Sending your request…' : 'Write a prompt and press Generate. Your images appear below as they render.';
  }
  const { status, n, images, refunded_credits: refunded } = generation;
  const refund = refunded > 0 ? `${creditsText(refunded)} refunded.` : null;
  const reason = generation.error?.trim();
  const lines: string[] = [];
  switch (status) {
    case 'queued':
      lines.push(`Queued: your ${n === 1 ? 'image is' : `${formatNumber(n)} images are`} waiting to start…`);
      break;
    case 'running':
      lines.push(`Generating ${n === 1 ? 'your image' : `${formatNumber(n)} images`}…`);
      break;
    case 'succeeded':
      lines.push(images.length === 1 ? 'Done: your image is ready.' : `Done: ${formatNumber(images.length)} images are ready.`);
      if (images.length < n) lines.push(`${formatNumber(n - images.length)} of ${formatNumber(n)} could not be made${reason ? `: ${reason}` : '.'}`);
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
  return lines.join(' ');
}
