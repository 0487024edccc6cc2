import { useEffect, useRef, useState } from 'preact/hooks';
import { useImageUrl } from './GeneratedImage';
import '../styles/images.css';

/** True once the element has come within `margin` of the viewport (and stays true). */
export function useNearViewport<T extends Element>(margin = '300px') {
  const ref = useRef<T>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    if (near) return;
    const element = ref.current;
    if (!element) return;
    if (typeof IntersectionObserver === 'undefined') {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { rootMargin: margin },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [near, margin]);
  return { ref, near };
}

interface LazyThumbProps {
  url: string;
  alt: string;
  width: number;
  height: number;
  /** Has an alpha channel: a checkerboard shows through. */
  transparent?: boolean;
}

/**
 * An API thumbnail fetched (with the session's token) only once its tile nears the viewport. The
 * width and height attributes hold the image's shape while it loads.
 */
export function LazyThumb({ url, alt, width, height, transparent }: LazyThumbProps) {
  const { ref, near } = useNearViewport<HTMLDivElement>();
  const { src, error, retry } = useImageUrl(near ? url : null);
  const loading = near && !src && !error;
  return (
    <div ref={ref} class={transparent ? 'image-frame thumb is-transparent' : 'image-frame thumb'} aria-busy={loading ? 'true' : undefined}>
      <img src={src ?? undefined} alt={alt} width={width} height={height} decoding="async" />
      {loading && <span class="spinner image-spinner" aria-hidden="true" />}
      {error && (
        <span class="image-error">
          <span>Image didn't load.</span>
          <button
            type="button"
            class="btn btn-secondary btn-small"
            onClick={(event) => {
              event.preventDefault(); // Inside a link: retry without following it.
              event.stopPropagation();
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
