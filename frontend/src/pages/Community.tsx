import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { adminApi } from '../admin';
import { api, type ImageModel, type PublicImage } from '../api';
import { setReturnTo, useSession } from '../auth';
import { FormDialog } from '../components/FormDialog';
import { remixHref } from '../components/ImageActions';
import { Icon } from '../components/Icon';
import { Lightbox, type LightboxItem } from '../components/Lightbox';
import { LoadError } from '../components/LoadError';
import { LoadMore } from '../components/LoadMore';
import { ratioStyle } from '../components/ratio';
import { useSentinel } from '../components/useSentinel';
import { formatDateTime, formatNumber } from '../format';
import { describeError } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import { imagesText, loadModels, modelName } from '../library';
import '../styles/images.css';
import '../styles/tiles.css';
import './Community.css';

const REPORT_REASONS = [
  { value: 'spam', label: 'Spam' },
  { value: 'offensive', label: 'Offensive' },
  { value: 'copyright', label: 'Copyright' },
  { value: 'other', label: 'Something else' },
] as const;
type ReportReason = (typeof REPORT_REASONS)[number]['value'];

const PAGE_SIZE = 24;

/** Images people chose to publish; open to everyone, searchable; signed in, people like and report them. */
export function Community() {
  usePageTitle('Community');
  const session = useSession();
  const signedIn = session.status === 'authenticated';
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const first = useApiData((signal) => api.community({ limit: PAGE_SIZE, q }, signal), [q, signedIn]);
  const models = useApiData((_signal) => loadModels());
  const [more, setMore] = useState<{ items: PublicImage[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  const [likes, setLikes] = useState<Record<string, { count: number; mine: boolean }>>({});
  const [reporting, setReporting] = useState<PublicImage | null>(null);
  const grid = useRef<HTMLUListElement>(null);
  const { url, route } = useLocation();
  // Admins choose the landing page's showcase here; the showcase itself says which images are on it now.
  const isAdmin = session.user?.role === 'admin';
  const showcase = useApiData(
    (signal) => (isAdmin ? api.showcase(signal).then((page) => page.items.map((item) => item.slug)) : Promise.resolve([])),
    [isAdmin],
  );
  const [featured, setFeatured] = useState<Record<string, boolean>>({});
  const isFeatured = (slug: string) => featured[slug] ?? (showcase.data ?? []).includes(slug);

  async function toggleFeatured(image: PublicImage) {
    const on = !isFeatured(image.slug);
    try {
      await adminApi.setFeatured(image.slug, on);
      setFeatured((previous) => ({ ...previous, [image.slug]: on }));
      setAnnouncement(on ? 'Shown on the landing page.' : 'Taken off the landing page.');
    } catch (error) {
      setAnnouncement(describeError(error, []).form ?? 'That did not work. Please try again.');
    }
  }

  const items = dedupe([...(first.data?.items ?? []), ...(more?.items ?? [])]).map((item) =>
    likes[item.slug] ? { ...item, like_count: likes[item.slug].count, liked_by_me: likes[item.slug].mine } : item,
  );

  async function toggleLike(image: PublicImage) {
    if (!signedIn) {
      setReturnTo(url);
      route('/signin');
      return;
    }
    try {
      const result = await api.likeCommunity(image.slug, !image.liked_by_me);
      setLikes((previous) => ({ ...previous, [image.slug]: { count: result.like_count, mine: result.liked_by_me } }));
    } catch (failure) {
      setAnnouncement(describeError(failure, []).form ?? '');
    }
  }
  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);

  async function loadMore(byButton = false) {
    if (loadingMore || !cursor) return;
    if (moreError && !byButton) return; // After a failure only "Try again" asks again.
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.community({ limit: PAGE_SIZE, cursor, q });
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
      <p class="lead community-lead">Images Pixmint users have chosen to publish, newest first.</p>
      <form
        role="search"
        class="community-search"
        onSubmit={(event) => {
          event.preventDefault();
          setMore(null);
          setLikes({});
          setQ(search.trim());
        }}
      >
        <label for="community-q">Search prompts</label>
        <div class="input-row">
          <input
            id="community-q"
            type="search"
            maxLength={200}
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
            data-testid="community-search"
          />
          <button type="submit" class="btn btn-secondary">
            Search
          </button>
        </div>
      </form>

      <LoadError message={first.error} onRetry={first.retry} />
      {first.loading && !first.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading shared images…
        </p>
      )}
      {first.data && items.length === 0 && (
        <div class="empty-state" data-testid="community-empty">
          {q ? (
            <>
              <h2>No matches</h2>
              <p>No published prompt contains “{q}”.</p>
            </>
          ) : (
            <>
              <h2>Nothing published yet</h2>
              <p>When people publish their images, they appear here.</p>
            </>
          )}
        </div>
      )}
      {items.length > 0 && (
        <ul ref={grid} class="justified community-grid" aria-label="Published images">
          {items.map((image, index) => (
            <CommunityTile
              key={image.slug}
              image={image}
              models={models.data}
              onOpen={() => setOpen(index)}
              onLike={() => void toggleLike(image)}
              onReport={signedIn ? () => setReporting(image) : null}
              featured={isFeatured(image.slug)}
              onFeature={isAdmin ? () => void toggleFeatured(image) : null}
            />
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
        label="Published images"
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
      <ReportDialog
        image={reporting}
        onClose={() => setReporting(null)}
        onReported={() => {
          setReporting(null);
          setAnnouncement('Thanks. The moderators will look at this image.');
        }}
      />
    </>
  );
}

function ReportDialog({ image, onClose, onReported }: { image: PublicImage | null; onClose: () => void; onReported: () => void }) {
  const [reason, setReason] = useState<ReportReason | ''>('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const firstReason = useRef<HTMLInputElement>(null);

  async function submit() {
    if (!image) return;
    if (!reason) {
      setError('Choose a reason.');
      firstReason.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.reportCommunity(image.slug, { reason, note: note.trim() || undefined });
      setReason('');
      setNote('');
      onReported();
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <FormDialog
      open={image !== null}
      id="report-dialog"
      title="Report this image"
      submitLabel="Send report"
      busy={busy}
      error={error}
      onSubmit={() => void submit()}
      onCancel={() => {
        setError(null);
        onClose();
      }}
      initialFocus={firstReason}
    >
      <fieldset class="field report-reasons">
        <legend>Why should moderators look at it?</legend>
        {REPORT_REASONS.map((option, index) => (
          <label key={option.value} class="check">
            <input
              ref={index === 0 ? firstReason : undefined}
              type="radio"
              name="report-reason"
              value={option.value}
              checked={reason === option.value}
              onChange={() => setReason(option.value)}
            />{' '}
            {option.label}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="report-note">Anything to add (optional)</label>
        <textarea id="report-note" maxLength={500} rows={3} value={note} onInput={(event) => setNote(event.currentTarget.value)} />
      </div>
    </FormDialog>
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

interface TileProps {
  image: PublicImage;
  models: ImageModel[] | null;
  onOpen: () => void;
  onLike: () => void;
  onReport: (() => void) | null;
  featured: boolean;
  /** Admins only: put it on the landing page's showcase, or take it off. */
  onFeature: (() => void) | null;
}

function CommunityTile({ image, models, onOpen, onLike, onReport, featured, onFeature }: TileProps) {
  const count = image.like_count ?? 0;
  const label = image.prompt ? `“${image.prompt.slice(0, 60)}”` : 'this image';
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
              , published <time dateTime={image.published_at ?? image.shared_at}>{formatDateTime(image.published_at ?? image.shared_at)}</time>
            </span>
          </span>
        </span>
      </a>
      <div class="community-actions">
        <button
          type="button"
          class="btn btn-secondary btn-small"
          aria-pressed={image.liked_by_me ? 'true' : 'false'}
          aria-label={`Like ${label}, ${formatNumber(count)} ${count === 1 ? 'like' : 'likes'}`}
          onClick={onLike}
          data-testid="like-button"
        >
          <span aria-hidden="true">{image.liked_by_me ? '♥' : '♡'}</span> <span data-testid="like-count">{formatNumber(count)}</span>
        </button>
        {onReport && (
          <button type="button" class="btn btn-secondary btn-small" onClick={onReport} aria-label={`Report ${label}`} data-testid="report-button">
            Report
          </button>
        )}
        {onFeature && (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            onClick={onFeature}
            aria-pressed={featured ? 'true' : 'false'}
            aria-label={`Show ${label} on the landing page`}
            data-testid="feature-button"
          >
            {featured ? 'On the landing page' : 'Feature'}
          </button>
        )}
      </div>
    </li>
  );
}

function dedupe(items: PublicImage[]): PublicImage[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.slug) && (seen.add(item.slug), true));
}
