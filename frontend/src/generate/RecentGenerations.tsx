import { useState } from 'preact/hooks';
import { api, type Generation } from '../api';
import { GenerationThumb } from '../components/GenerationThumbs';
import { LoadError } from '../components/LoadError';
import { formatDateTime, formatNumber } from '../format';
import { creditsText, generationStatusLabel } from '../generations';
import { useApiData } from '../hooks';

const RECENT_COUNT = 10;

/** The latest generations, and a way to load them again after one was made or changed. */
export function useRecentGenerations() {
  const [round, setRound] = useState(0);
  const recent = useApiData((signal) => api.generations({ limit: RECENT_COUNT }, signal), [round]);
  return { recent, refresh: () => setRound((n) => n + 1) };
}

interface RecentProps {
  items: Generation[] | null;
  loading: boolean;
  error: string | null;
  onRetry: () => void;
}

export function RecentGenerations({ items, loading, error, onRetry }: RecentProps) {
  return (
    <section class="section" aria-labelledby="recent-title" aria-busy={loading ? 'true' : undefined}>
      <h2 id="recent-title">Recent generations</h2>
      <LoadError message={error} onRetry={onRetry} />
      {loading && !items && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your recent generations…
        </p>
      )}
      {items && items.length === 0 && <p class="muted">Nothing yet: your generations will be listed here.</p>}
      {items && items.length > 0 && (
        <ul class="recent-list" data-testid="recent-generations">
          {items.map((item) => (
            <li key={item.id} class="recent-item" data-testid="recent-generation" data-status={item.status}>
              {item.images[0] ? (
                <a
                  href={`/images/${encodeURIComponent(item.images[0].id)}`}
                  class="thumb-link recent-thumb"
                  aria-label={`Open the image: ${item.prompt}`}
                  data-testid="recent-generation-link"
                >
                  <GenerationThumb generation={item} decorative />
                </a>
              ) : (
                <GenerationThumb generation={item} decorative />
              )}
              <div class="recent-body">
                <p class="recent-prompt">{item.prompt}</p>
                <p class="recent-meta">
                  <span class={`status-badge gen-status-${item.status}`}>
                    <span class="visually-hidden">Status: </span>
                    {generationStatusLabel(item.status)}
                  </span>{' '}
                  <span class="muted">
                    {item.images.length > 1 && (
                      <>
                        {item.images.slice(1).map((image, index) => (
                          <a key={image.id} href={`/images/${encodeURIComponent(image.id)}`} class="recent-more">
                            Image {index + 2}
                            <span class="visually-hidden"> of “{item.prompt}”</span>
                          </a>
                        ))}{' '}
                        ·{' '}
                      </>
                    )}
                    {item.n === 1 ? '1 image' : `${formatNumber(item.n)} images`} · {creditsText(item.cost_credits - item.refunded_credits)}{' '}
                    spent ·{' '}
                    <time dateTime={item.created_at}>{formatDateTime(item.created_at)}</time>
                  </span>
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
