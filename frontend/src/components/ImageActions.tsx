import { useState } from 'preact/hooks';
import { api, type LibraryImage } from '../api';
import { describeError } from '../forms';
import { imageExtension, saveBlob } from '../generations';
import { absoluteUrl } from '../library';
import { Icon } from './Icon';

export type ImageAction = 'prompt' | 'favorite' | 'download' | 'share' | 'edit' | 'vary' | 'upscale' | 'details';

type ActionImage = Pick<LibraryImage, 'id' | 'prompt' | 'content_url' | 'content_type' | 'favorite' | 'model' | 'width' | 'height'>;

interface ImageActionsProps {
  image: ActionImage;
  /** Names the image in each control's accessible name: "image 1 of 2", "the image", or its prompt. */
  which: string;
  actions: readonly ImageAction[];
  /** Icons only (named by aria-label and a tooltip), for overlays on an image; else icon and word. */
  compact?: boolean;
  /** The favourite changed (already saved). */
  onFavorite?: (favorite: boolean) => void;
  /** Put the prompt in the Generate box on this page; without it, "Use prompt" opens Generate with the image's
   * prompt, model and size. */
  onUsePrompt?: (prompt: string) => void;
  /** What happened, for the page's (or the lightbox's) polite status line. */
  onMessage: (text: string) => void;
  testIdPrefix?: string;
}

/** What "Use these settings" carries from an image to the Generate page: never its pixels. */
export interface Remix {
  prompt: string;
  model?: string | null;
  width?: number;
  height?: number;
}

/** Link to Generate with this image's prompt, model and size chosen (read once by the Generate page). */
export function remixHref({ prompt, model, width, height }: Remix): string {
  const query = new URLSearchParams({ prompt });
  if (model) query.set('model', model);
  if (width && height) query.set('size', `${width}x${height}`);
  return `/generate?${query.toString()}`;
}

/** What can be done with any image, wherever it is shown: use its prompt, favourite, download, share, open. */
export function ImageActions({ image, which, actions, compact, onFavorite, onUsePrompt, onMessage, testIdPrefix }: ImageActionsProps) {
  // The choice shows at once; the parent's copy of the image takes over once saved.
  const [override, setOverride] = useState<boolean | null>(null);
  const [busy, setBusy] = useState<ImageAction | null>(null);
  const shown = override ?? image.favorite;
  const buttonClass = compact ? 'btn btn-small btn-icon image-action' : 'btn btn-secondary btn-small image-action';
  const testId = (name: string) => (testIdPrefix ? `${testIdPrefix}-${name}` : undefined);

  async function toggleFavorite() {
    if (busy) return;
    const next = !shown;
    setBusy('favorite');
    setOverride(next);
    try {
      await api.setFavorite(image.id, next);
      if (onFavorite) {
        onFavorite(next);
        setOverride(null);
      }
      onMessage(next ? 'Added to favourites.' : 'Removed from favourites.');
    } catch (failure) {
      setOverride(null);
      onMessage(describeError(failure, []).form ?? 'Something went wrong.');
    } finally {
      setBusy(null);
    }
  }

  async function download() {
    if (busy) return;
    setBusy('download');
    onMessage('Preparing your download…');
    try {
      const { blob, filename } = await api.image(image.content_url, `pixmint-${image.id}.${imageExtension(image.content_type)}`);
      saveBlob(blob, filename);
      onMessage(`Downloaded ${filename}.`);
    } catch (failure) {
      onMessage(describeError(failure, []).form ?? 'The download failed.');
    } finally {
      setBusy(null);
    }
  }

  async function share() {
    if (busy) return;
    setBusy('share');
    try {
      const { share_url: shareUrl } = await api.shareImage(image.id);
      const url = absoluteUrl(shareUrl);
      // Sharing today also lists the image in Community; say so every time.
      try {
        await navigator.clipboard.writeText(url);
        onMessage('Link copied. Anyone with it can see this image, and it is listed in Community.');
      } catch {
        onMessage(`Share link: ${url} (anyone with it can see this image, and it is listed in Community).`);
      }
    } catch (failure) {
      onMessage(describeError(failure, []).form ?? 'Sharing failed.');
    } finally {
      setBusy(null);
    }
  }

  const label = (action: string) => `${action} ${which}`;
  const content = (icon: Parameters<typeof Icon>[0]['name'], text: string, filled = false) => (
    <>
      <Icon name={icon} filled={filled} />
      {compact ? null : <span>{text}</span>}
    </>
  );

  return (
    <div class={compact ? 'image-actions image-actions-compact' : 'image-actions'}>
      {actions.map((action) => {
        switch (action) {
          case 'prompt':
            if (!image.prompt) return null;
            return onUsePrompt ? (
              <button
                key={action}
                type="button"
                class={buttonClass}
                aria-label={label('Use the prompt of')}
                title={compact ? 'Use prompt' : undefined}
                onClick={() => image.prompt && onUsePrompt(image.prompt)}
                data-testid={testId('use-prompt')}
              >
                {content('prompt', 'Use prompt')}
              </button>
            ) : (
              <a
                key={action}
                href={remixHref({ prompt: image.prompt, model: image.model, width: image.width, height: image.height })}
                class={buttonClass}
                aria-label={label('Use the prompt of')}
                title={compact ? 'Use prompt' : undefined}
                data-testid={testId('use-prompt')}
              >
                {content('prompt', 'Use prompt')}
              </a>
            );
          case 'favorite':
            return (
              <button
                key={action}
                type="button"
                class={`${buttonClass} image-action-favorite`}
                aria-pressed={shown ? 'true' : 'false'}
                aria-label={label('Favourite')}
                title={compact ? (shown ? 'Favourite (on)' : 'Favourite') : undefined}
                aria-busy={busy === 'favorite' ? 'true' : undefined}
                onClick={() => void toggleFavorite()}
                data-testid={testId('favorite')}
              >
                {content('star', 'Favourite', shown)}
              </button>
            );
          case 'download':
            return (
              <button
                key={action}
                type="button"
                class={buttonClass}
                aria-label={label('Download')}
                title={compact ? 'Download' : undefined}
                aria-busy={busy === 'download' ? 'true' : undefined}
                aria-disabled={busy === 'download' ? 'true' : undefined}
                onClick={() => void download()}
                data-testid={testId('download')}
              >
                {busy === 'download' ? <span class="spinner" aria-hidden="true" /> : null}
                {busy === 'download' && compact ? null : content('download', 'Download')}
              </button>
            );
          case 'share':
            return (
              <button
                key={action}
                type="button"
                class={buttonClass}
                aria-label={label('Copy a share link to')}
                title={compact ? 'Copy share link (also lists it in Community)' : undefined}
                aria-busy={busy === 'share' ? 'true' : undefined}
                onClick={() => void share()}
                data-testid={testId('share')}
              >
                {content('link', 'Share')}
              </button>
            );
          case 'edit':
            return (
              <a
                key={action}
                href={`/images/${encodeURIComponent(image.id)}/edit`}
                class={buttonClass}
                aria-label={label('Edit')}
                title={compact ? 'Edit' : undefined}
                data-testid={testId('edit')}
              >
                {content('edit', 'Edit')}
              </a>
            );
          case 'vary':
          case 'upscale':
            return (
              <a
                key={action}
                href={`/images/${encodeURIComponent(image.id)}/edit?tool=${action === 'vary' ? 'variation' : 'upscale'}`}
                class={buttonClass}
                aria-label={label(action === 'vary' ? 'More like' : 'Upscale')}
                title={compact ? (action === 'vary' ? 'More like this' : 'Upscale') : undefined}
                data-testid={testId(action)}
              >
                {content(action, action === 'vary' ? 'Vary' : 'Upscale')}
              </a>
            );
          case 'details':
            return (
              <a
                key={action}
                href={`/images/${encodeURIComponent(image.id)}`}
                class={buttonClass}
                aria-label={label('Details of')}
                title={compact ? 'Details' : undefined}
                data-testid={testId('details')}
              >
                {content('details', 'Details')}
              </a>
            );
        }
      })}
    </div>
  );
}
