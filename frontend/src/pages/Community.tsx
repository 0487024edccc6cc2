import { useRef, useState } from 'preact/hooks';
import { api, type ImageModel, type PublicImage } from '../api';
import { remixHref } from '../components/ImageActions';
import { Icon } from '../components/Icon';
import { Lightbox, type LightboxItem } from '../components/Lightbox';
import { LoadError } from '../components/LoadError';
import { LoadMore } from '../components/LoadMore';
import { ratioStyle } from '../components/ratio';
import { useSentinel } from '../components/useSentinel';
import { formatDateTime } from '../format';
import { describeError } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import { imagesText, loadModels, modelName } from '../library';
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
  const [open, setOpen] = useState<number | null>(null);
  const grid = useRef<HTMLUListElement>(null);

  const items = dedupe([...(first.data?.items ?? []), ...(more?.items ?? [])]);
  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);

  async function loadMore(byButton = false) {
    if (loadingMore || !cursor) return;
    if (moreError && !byButton) return; // After a failure only "Try again" asks again.
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.community({ limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(page.items.length === 0 ? 'No more images.' : `Loaded ${imagesText(page.items.length)} more.`);
      if (byButton) {
        requestAnimationFrame(() => {
          const links = grid.current?.querySelectorAll<HTMLElement>('.tile-link');
          (links?.item(shown) ?? links?.item(shown - 1))?.focus();
        });
      }
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  const sentinel = useSentinel<HTMLDivElement>(() => void loadMore(), !!cursor && !loadingMore && !moreError);

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
        <ul ref={grid} class="justified community-grid" aria-label="Shared images">
          {items.map((image, index) => (
            <CommunityTile key={image.slug} image={image} models={models.data} onOpen={() => setOpen(index)} />
          ))}
          <li class="justified-end" aria-hidden="true" />
        </ul>
      )}
      {cursor && items.length > 0 && !moreError && <div ref={sentinel} class="gallery-more-space" aria-hidden="true" />}
      <LoadMore
        show={Boolean(cursor && items.length > 0)}
        loading={loadingMore}
        error={moreError}
        onLoad={() => void loadMore(true)}
        announcement={announcement}
      />
      <Lightbox
        items={items.map(communityItem)}
        index={open !== null && open < items.length ? open : null}
        onIndex={setOpen}
        onClose={() => setOpen(null)}
        onNearEnd={() => void loadMore()}
        label="Shared images"
        actions={(index) => {
          const image = items[index];
          return (
            <div class="image-actions">
              {image.prompt && (
                <a href={remixHref({ prompt: image.prompt, model: image.model, width: image.width, height: image.height })} class="btn btn-secondary btn-small" data-testid="lightbox-use-prompt">
                  <Icon name="prompt" />
                  Use these settings
                </a>
              )}
              <a href={`/s/${encodeURIComponent(image.slug)}`} class="btn btn-secondary btn-small" data-testid="lightbox-details">
                <Icon name="details" />
                Open its page
              </a>
            </div>
          );
        }}
      />
    </>
  );
}

function communityItem(image: PublicImage): LightboxItem {
  return {
    key: image.slug,
    access: 'public',
    thumbnailUrl: image.thumbnail_url,
    fullUrl: image.content_url,
    alt: image.alt,
    width: image.width,
    height: image.height,
    title: image.prompt ?? image.alt,
  };
}

function CommunityTile({ image, models, onOpen }: { image: PublicImage; models: ImageModel[] | null; onOpen: () => void }) {
  return (
    <li class="tile" style={ratioStyle(image.width, image.height)} data-testid="community-tile" data-slug={image.slug}>
      <a
        href={`/s/${encodeURIComponent(image.slug)}`}
        class="tile-body tile-link tile-target"
        onClick={(event) => {
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          event.stopPropagation(); // The lightbox, not the router.
          onOpen();
        }}
      >
        <div class="image-frame thumb">
          {/* Public addresses need no token: the browser loads them itself, lazily. */}
          <img src={image.thumbnail_url} alt="" width={image.width} height={image.height} loading="lazy" decoding="async" />
        </div>
        <span class="tile-caption">
          <span class="tile-prompt">{image.prompt}</span>
          <span class="tile-meta">
            {modelName(image.model, models)}
            {image.author ? ` · ${image.author}` : ''}
            <span class="visually-hidden">
              , shared <time dateTime={image.shared_at}>{formatDateTime(image.shared_at)}</time>
            </span>
          </span>
        </span>
      </a>
    </li>
  );
}

function dedupe(items: PublicImage[]): PublicImage[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.slug) && (seen.add(item.slug), true));
}
