import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { describeError } from '../forms';
import { saveBlob } from '../generations';
import { acquireImage, cachedImage } from '../imageCache';
import '../styles/images.css';

interface ImageState {
  src: string | null;
  error: boolean;
}

/**
 * Image addresses need the Authorization header, so an <img> can't load them by itself: fetch the
 * bytes through the API client and show them from a blob: URL, shared with every other view of the same image
 * (src/imageCache.ts) and let go of when no longer shown.
 */
export function useImageUrl(url: string | null): ImageState & { retry: () => void } {
  const [state, setState] = useState<ImageState>(() => ({ src: url ? cachedImage(url) : null, error: false }));
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!url) {
      setState((previous) => (previous.src || previous.error ? { src: null, error: false } : previous));
      return;
    }
    const held = acquireImage(url);
    let active = true;
    setState({ src: held.cached, error: false });
    held.objectUrl.then(
      (src) => active && setState({ src, error: false }),
      () => active && setState({ src: null, error: true }),
    );
    return () => {
      active = false;
      held.release();
    };
  }, [url, attempt]);

  return { ...state, retry: () => setAttempt((n) => n + 1) };
}

interface ImageViewProps {
  url: string;
  alt: string;
  width: number;
  height: number;
  testId?: string;
  class?: string;
  /** Has an alpha channel: drawn on a checkerboard so the transparency shows. */
  transparent?: boolean;
  contentType?: string;
}

/**
 * An API image in a box of its own aspect ratio, with a loading state and a retry when it fails.
 * Always an <img>, whatever the type: an SVG's scripts never run there, and a GIF plays.
 */
export function ImageView({ url, alt, width, height, testId, class: className, transparent, contentType }: ImageViewProps) {
  const { src, error, retry } = useImageUrl(url);
  const classes = ['image-frame', className, transparent ? 'is-transparent' : null].filter(Boolean).join(' ');
  return (
    <div class={classes} aria-busy={!src && !error ? 'true' : undefined}>
      {/* Rendered from the start so the image and its alt text are in place; shown once loaded. */}
      <img
        src={src ?? undefined}
        alt={alt}
        width={width}
        height={height}
        data-testid={testId}
        data-content-type={contentType}
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
              event.preventDefault(); // The image may sit inside a link: retry without following it.
              retry();
            }}
          >
            Retry
          </button>
        </span>
      )}
    </div>
  );
}

/** Fetches the full image (with the session's token) and saves it under the server's file name. */
export function DownloadImageButton({ url, label, fallbackName }: { url: string; label: string; fallbackName: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');

  async function handleClick() {
    if (busy) return;
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const { blob, filename } = await api.image(url, fallbackName);
      saveBlob(blob, filename);
      setDone(`Downloaded ${filename}.`);
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        class="btn btn-secondary btn-small"
        onClick={handleClick}
        aria-label={label}
        aria-disabled={busy ? 'true' : undefined}
        aria-busy={busy ? 'true' : undefined}
        data-testid="download-image"
      >
        {busy && <span class="spinner" aria-hidden="true" />}
        Download
      </button>
      <span class="visually-hidden" role="status">
        {busy ? 'Preparing your download…' : done}
      </span>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
