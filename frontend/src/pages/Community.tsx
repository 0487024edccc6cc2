import { useRef, useState } from 'preact/hooks';
import { api, type ImageModel, type PublicImage } from '../api';
import { LoadError } from '../components/LoadError';
import { formatDateTime } from '../format';
import { describeError } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import { imagesText, loadModels, modelName } from '../library';
import { LoadMore } from '../components/LoadMore';
import '../styles/images.css';
import '../styles/tiles.css';

const PAGE_SIZE = 24;

/** Images people chose to share; open to everyone. */
export function Community() {
  usePageTitle('Community');
  const first = useApiData((signal) => api.community({ limit: PAGE_SIZE }, signal));
  const models = useApiData((_signal) => loadModels());
  const [more, setMore] = useState<{ items: PublicImage[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const grid = useRef<HTMLUListElement>(null);

  const items = dedupe([...(first.data?.items ?? []), ...(more?.items ?? [])]);
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;

  async function loadMore() {
    if (loadingMore || !cursor) return;
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.community({ limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(page.items.length === 0 ? 'No more images.' : `Loaded ${imagesText(page.items.length)} more.`);
      requestAnimationFrame(() => {
        const links = grid.current?.querySelectorAll<HTMLElement>('.tile-link');
        (links?.item(shown) ?? links?.item(shown - 1))?.focus();
      });
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">Community</h1>
      </div>
      <p class="lead community-lead">Images Pixmint users have chosen to share, newest first.</p>

      <LoadError message={first.error} onRetry={first.retry} />
      {first.loading && !first.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading shared images…
        </p>
      )}
      {first.data && items.length === 0 && (
        <div class="empty-state" data-testid="community-empty">
          <h2>Nothing shared yet</h2>
          <p>When people share their images, they appear here.</p>
        </div>
      )}
      {items.length > 0 && (
        <ul ref={grid} class="gallery-grid community-grid" aria-label="Shared images">
          {items.map((image) => (
            <CommunityTile key={image.slug} image={image} models={models.data} />
          ))}
        </ul>
      )}
      <LoadMore
        show={Boolean(cursor && items.length > 0)}
        loading={loadingMore}
        error={moreError}
        onLoad={loadMore}
        announcement={announcement}
      />
    </>
  );
}

function CommunityTile({ image, models }: { image: PublicImage; models: ImageModel[] | null }) {
  return (
    <li class="tile" data-testid="community-tile" data-slug={image.slug}>
      <div class="image-frame thumb">
        {/* Public addresses need no token: the browser loads them itself, lazily. */}
        <img src={image.thumbnail_url} alt="" width={image.width} height={image.height} loading="lazy" decoding="async" />
      </div>
      <p class="tile-caption">
        <a href={`/s/${encodeURIComponent(image.slug)}`} class="tile-link tile-target">
          <span class="tile-prompt">{image.prompt}</span>
        </a>
        <span class="tile-meta">
          {modelName(image.model, models)}
          {image.author ? ` · ${image.author}` : ''}
          <span class="visually-hidden">
            , shared <time dateTime={image.shared_at}>{formatDateTime(image.shared_at)}</time>
          </span>
        </span>
      </p>
    </li>
  );
}

function dedupe(items: PublicImage[]): PublicImage[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.slug) && (seen.add(item.slug), true));
}
