import type { Generation } from '../api';
import { formatDateTime } from '../format';
import { generationStatusLabel } from '../generations';
import { ImageView } from './GeneratedImage';
import '../styles/images.css';

/** A generation's first image as a thumbnail, or its status while it has none. */
export function GenerationThumb({ generation, decorative = false }: { generation: Generation; decorative?: boolean }) {
  const image = generation.images[0];
  if (image) {
    return (
      <ImageView
        url={image.thumbnail_url}
        alt={decorative ? '' : image.alt}
        width={image.width}
        height={image.height}
        class="thumb"
        transparent={image.has_alpha}
        testId="generation-thumb"
      />
    );
  }
  return (
    // The status is said in words next to it, so this box is only visual.
    <div class={`image-frame thumb thumb-empty thumb-${generation.status}`} aria-hidden="true">
      <span>{generationStatusLabel(generation.status)}</span>
    </div>
  );
}

/** The dashboard's grid of recent generations (loaded on demand, so the landing bundle stays small). */
export function GenerationThumbs({ items }: { items: Generation[] }) {
  return (
    <ul class="thumb-grid" data-testid="recent-generations">
      {items.map((generation) => (
        <li key={generation.id} class="thumb-item" data-status={generation.status}>
          {generation.images[0] ? (
            <a href={`/images/${encodeURIComponent(generation.images[0].id)}`} class="thumb-link" data-testid="generation-thumb-link">
              <GenerationThumb generation={generation} />
            </a>
          ) : (
            <GenerationThumb generation={generation} />
          )}
          <span class="thumb-caption">
            <span class={`status-badge gen-status-${generation.status}`}>
              <span class="visually-hidden">Status: </span>
              {generationStatusLabel(generation.status)}
            </span>{' '}
            <time class="muted" dateTime={generation.created_at}>
              {formatDateTime(generation.created_at)}
            </time>
          </span>
        </li>
      ))}
    </ul>
  );
}
