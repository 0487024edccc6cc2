import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import '../styles/images.css';
import { formatNumber } from '../format';

/** How long a replaced preview's blob: URL lives on, until the next picture is on screen. */
const REVOKE_AFTER_MS = 1_000;

/**
 * The latest partial image behind `url`, fetched with the session's token like every image. The address
 * stays while the picture sharpens, so it is fetched again on each `round` (each poll that still lists it:
 * a timer of its own would ask after the image is done, and get a 404). The previous picture stays up while
 * the next one loads, so nothing flickers.
 */
function usePreviewUrl(url: string, round: unknown): string | null {
  const [src, setSrc] = useState<string | null>(null);
  const loading = useRef(false);
  const shown = useRef<string | null>(null);
  const controller = useRef(new AbortController());

  useEffect(
    () => () => {
      controller.current.abort();
      if (shown.current) URL.revokeObjectURL(shown.current);
    },
    [],
  );

  useEffect(() => {
    if (loading.current) return;
    loading.current = true;
    const { signal } = controller.current;
    api
      .image(url, 'preview', signal)
      .then(({ blob }) => {
        if (signal.aborted) return;
        const previous = shown.current;
        shown.current = URL.createObjectURL(blob);
        setSrc(shown.current);
        if (previous) setTimeout(() => URL.revokeObjectURL(previous), REVOKE_AFTER_MS);
      })
      // A preview is a nicety: keep the last one and try again on the next round.
      .catch(() => undefined)
      .finally(() => {
        loading.current = false;
      });
  }, [url, round]);

  return src;
}

interface PreviewImageProps {
  url: string;
  /** Changes with each poll of the generation: the cue to fetch the latest partial image. */
  round: unknown;
  position: number;
  count: number;
  width: number;
  height: number;
}

/** A partial image, blurred, labelled as still rendering. */
export function PreviewImage({ url, round, position, count, width, height }: PreviewImageProps) {
  const src = usePreviewUrl(url, round);
  const which = count > 1 ? `image ${formatNumber(position + 1)} of ${formatNumber(count)}` : 'your image';
  return (
    <div class="image-frame preview-frame" aria-busy="true">
      <img
        src={src ?? undefined}
        alt={`Preview of ${which}, still rendering`}
        width={width}
        height={height}
        decoding="async"
        class="preview-img"
        data-testid="preview-image"
      />
      {!src && <span class="spinner image-spinner" aria-hidden="true" />}
      <span class="preview-label" aria-hidden="true">
        rendering…
      </span>
    </div>
  );
}

/** A frame whose image has not started to arrive: a spinner and what it waits for. */
export function PendingSlot({ label }: { label: string }) {
  return (
    <div class="image-frame preview-frame preview-pending" aria-hidden="true">
      <span class="spinner image-spinner" />
      <span class="preview-label">{label}</span>
    </div>
  );
}
