import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { ApiError, api, type Generation, type ImageFormat, type LibraryImage } from '../api';
import { getSession, updateUser } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FormDialog } from '../components/FormDialog';
import { useImageUrl } from '../components/GeneratedImage';
import { remixHref } from '../components/ImageActions';
import { Icon } from '../components/Icon';
import { Lineage } from '../components/Lineage';
import { LoadError } from '../components/LoadError';
import { ratioStyle } from '../components/ratio';
import { RequireAuth } from '../components/RequireAuth';
import { Toast, useToast } from '../components/Toast';
import { formatDateTime, formatNumber, formatSize } from '../format';
import { describeError } from '../forms';
import { creditsText, imageExtension } from '../generations';
import { useApiData, usePageTitle } from '../hooks';
import { DOWNLOAD_WIDTHS, absoluteUrl, formatOptions, imageName, keepsOriginalFormat, loadModels, modelName, saveFile, setFlash } from '../library';
import '../styles/images.css';
import './image-detail.css';
import { ImageMissing } from '../components/ImageMissing';
import { LazyThumb } from '../components/LazyThumb';

export function ImageDetail() {
  const { params } = useRoute();
  const id = params.id ?? '';
  return <RequireAuth>{() => <ImageDetailContent key={id} id={id} />}</RequireAuth>;
}

function ImageDetailContent({ id }: { id: string }) {
  const loaded = useApiData((signal) => api.libraryImage(id, signal), [id]);
  const [image, setImage] = useState<LibraryImage | null>(null);
  useEffect(() => {
    if (loaded.data) setImage(loaded.data);
  }, [loaded.data]);
  usePageTitle(image ? shorten(imageName(image), 60) : loaded.errorStatus === 404 ? 'Image not found' : 'Image');

  if (loaded.errorStatus === 404) {
    return <ImageMissing />;
  }
  if (!image) {
    return (
      <>
        <LoadError message={loaded.error} onRetry={loaded.retry} />
        {loaded.loading && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading the image…
          </p>
        )}
      </>
    );
  }
  return <Detail image={image} onChange={setImage} />;
}

function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;
}

function Detail({ image, onChange }: { image: LibraryImage; onChange: (image: LibraryImage) => void }) {
  const { route } = useLocation();
  const models = useApiData((_signal) => loadModels());
  const generationId = image.generation_id;
  const generation = useApiData<Generation | null>(
    (signal) => (generationId ? api.generation(generationId, signal) : Promise.resolve(null)),
    [generationId],
  );
  const toast = useToast();
  const [actionError, setActionError] = useState<string | null>(null);
  const [favoriteBusy, setFavoriteBusy] = useState(false);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const name = imageName(image);

  async function toggleFavorite() {
    if (favoriteBusy) return;
    const next = !image.favorite;
    setFavoriteBusy(true);
    setActionError(null);
    onChange({ ...image, favorite: next }); // Shown at once; put back if the API says no.
    try {
      await api.setFavorite(image.id, next);
      toast.show(next ? 'Added to favourites.' : 'Removed from favourites.');
    } catch (failure) {
      onChange({ ...image, favorite: !next });
      setActionError(describeError(failure, []).form);
    } finally {
      setFavoriteBusy(false);
    }
  }

  async function confirmDelete() {
    if (deleting) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.deleteImage(image.id);
      setFlash('Image deleted.');
      route('/gallery');
    } catch (failure) {
      setDeleteError(describeError(failure, []).form);
      setDeleting(false);
    }
  }

  return (
    <article class="image-detail" data-testid="image-detail" data-image-id={image.id} aria-labelledby="detail-title">
      <p class="back-link">
        <a href="/gallery">
          <span aria-hidden="true">← </span>Your images
        </a>
      </p>
      <div class="detail-layout">
        <DetailImage image={image} />
        <div class="detail-info">
          <h1 id="detail-title" class="detail-prompt">
            {name}
          </h1>
          <dl class="detail-facts">
            <div>
              <dt>Model</dt>
              <dd>{modelName(image.model, models.data)}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd data-testid="image-size">{formatSize(image.width, image.height)}</dd>
            </div>
            {(image.frames ?? 1) > 1 && (
              <div>
                <dt>Frames</dt>
                <dd data-testid="image-frames">{image.frames}</dd>
              </div>
            )}
            <div>
              <dt>Cost</dt>
              <dd data-testid="image-cost">
                <CostText generation={generation.data} loading={generation.loading} failed={!!generation.error} />
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <time dateTime={image.created_at}>{formatDateTime(image.created_at)}</time>
              </dd>
            </div>
          </dl>

          <div class="detail-actions">
            {image.prompt && (
              <a href={remixHref({ prompt: image.prompt, model: image.model, width: image.width, height: image.height })} class="btn btn-primary" data-testid="use-prompt">
                <Icon name="prompt" />
                Use these settings
              </a>
            )}
            <a href={`/images/${encodeURIComponent(image.id)}/edit`} class="btn btn-secondary" data-testid="edit-image">
              <Icon name="edit" />
              Edit
            </a>
            <button
              type="button"
              class="btn btn-secondary favorite-toggle"
              aria-pressed={image.favorite ? 'true' : 'false'}
              aria-busy={favoriteBusy ? 'true' : undefined}
              onClick={toggleFavorite}
              data-testid="favorite-toggle"
            >
              <span class="favorite-icon" aria-hidden="true">
                {image.favorite ? '★' : '☆'}
              </span>
              Favourite
            </button>
            <button
              type="button"
              class="btn btn-danger-outline"
              onClick={() => {
                setDeleteError(null);
                setConfirmOpen(true);
              }}
              data-testid="delete-image"
            >
              Delete
            </button>
          </div>
          {actionError && (
            <p class="alert alert-error" role="alert">
              {actionError}
            </p>
          )}
          <RatingControl image={image} onChange={onChange} onToast={toast.show} />

          <SharePanel image={image} onChange={onChange} onToast={toast.show} />
          <DownloadForm image={image} onToast={toast.show} />
          <Lineage imageId={image.id} href={(imageId) => `/images/${encodeURIComponent(imageId)}`} verb="Open" />
          <MoreLikeThis image={image} />
        </div>
      </div>

      <ConfirmDialog
        open={confirmOpen}
        title="Delete this image?"
        confirmLabel="Delete"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setConfirmOpen(false)}
        testId="confirm-delete"
      >
        <p>It is removed for good, with its share link. This can't be undone.</p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </article>
  );
}

/** One to five stars; choosing the current number again clears the rating. */
function RatingControl({ image, onChange, onToast }: PanelProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rating = image.rating ?? null;

  async function rate(stars: number) {
    if (busy) return;
    const next = stars === rating ? null : stars;
    setBusy(true);
    setError(null);
    onChange({ ...image, rating: next }); // Shown at once; put back if the API says no.
    try {
      await api.rateImage(image.id, next);
      onToast(next === null ? 'Rating cleared.' : `Rated ${next} ${next === 1 ? 'star' : 'stars'}.`);
    } catch (failure) {
      onChange({ ...image, rating });
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="detail-rating" role="group" aria-labelledby="rating-label" data-testid="rating">
      <span id="rating-label" class="detail-rating-label">
        Rating
      </span>
      {[1, 2, 3, 4, 5].map((stars) => (
        <button
          key={stars}
          type="button"
          class="btn btn-small btn-quiet rating-star"
          aria-pressed={rating === stars ? 'true' : 'false'}
          aria-busy={busy ? 'true' : undefined}
          onClick={() => void rate(stars)}
          data-testid={`rate-${stars}`}
        >
          <span aria-hidden="true">{rating !== null && stars <= rating ? '★' : '☆'}</span>
          <span class="visually-hidden">
            {stars} {stars === 1 ? 'star' : 'stars'}
          </span>
        </button>
      ))}
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** "More like this": asked for on demand, as it compares the picture with the whole library. */
function MoreLikeThis({ image }: { image: LibraryImage }) {
  const [state, setState] = useState<{ items: LibraryImage[] | null; loading: boolean; error: string | null }>({
    items: null,
    loading: false,
    error: null,
  });

  async function load() {
    if (state.loading) return;
    setState({ items: null, loading: true, error: null });
    try {
      const page = await api.similarImages(image.id);
      setState({ items: page.items, loading: false, error: null });
    } catch (failure) {
      setState({ items: null, loading: false, error: describeError(failure, []).form });
    }
  }

  return (
    <section class="detail-section" aria-labelledby="similar-title" data-testid="similar">
      <h2 id="similar-title">More like this</h2>
      {state.items === null && (
        <button
          type="button"
          class="btn btn-secondary"
          onClick={() => void load()}
          aria-busy={state.loading ? 'true' : undefined}
          data-testid="more-like-this"
        >
          {state.loading && <span class="spinner" aria-hidden="true" />}
          Find similar images in your library
        </button>
      )}
      {state.error && (
        <p class="alert alert-error" role="alert">
          {state.error}
        </p>
      )}
      {state.items !== null && state.items.length === 0 && (
        <p role="status" data-testid="similar-none">
          No other image in your library looks like this one.
        </p>
      )}
      {state.items !== null && state.items.length > 0 && (
        <ul class="thumb-grid lineage-grid" data-testid="similar-list">
          {state.items.map((item) => (
            <li key={item.id} class="thumb-item">
              <a href={`/images/${encodeURIComponent(item.id)}`} class="lineage-link" data-testid="similar-image">
                <LazyThumb url={item.thumbnail_url} alt="" width={item.width} height={item.height} transparent={item.has_alpha} />
                <span class="visually-hidden">Open {imageName(item)}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CostText({ generation, loading, failed }: { generation: Generation | null; loading: boolean; failed: boolean }) {
  if (generation) {
    const spent = generation.cost_credits - generation.refunded_credits;
    return (
      <>
        {creditsText(spent)}
        {generation.n > 1 && <span class="muted"> for {generation.n} images</span>}
      </>
    );
  }
  if (loading) return <span class="muted">Loading…</span>;
  return <span class="muted">{failed ? 'Not available right now' : 'Not recorded'}</span>;
}

/**
 * The thumbnail straight away, replaced by the full image once it has arrived. Always an <img>: a GIF
 * plays there, and an SVG is drawn as a picture, its scripts never run.
 */
function DetailImage({ image }: { image: LibraryImage }) {
  const thumb = useImageUrl(image.thumbnail_url);
  const full = useImageUrl(image.content_url);
  const src = full.src ?? thumb.src;
  const failed = full.error && (thumb.error || !thumb.src);
  return (
    <div class="detail-media">
      <div
        class={image.has_alpha ? 'image-frame detail-frame is-transparent' : 'image-frame detail-frame'}
        style={ratioStyle(image.width, image.height)}
        aria-busy={!full.src && !full.error ? 'true' : undefined}
      >
        <img
          src={src ?? undefined}
          alt={image.alt}
          width={image.width}
          height={image.height}
          decoding="async"
          class={full.src ? undefined : 'is-preview'}
          data-testid="detail-image"
          data-content-type={full.src ? image.content_type : undefined}
        />
        {!full.src && !failed && <span class="spinner image-spinner" aria-hidden="true" />}
        {failed && (
          <span class="image-error">
            <span>Image didn't load.</span>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={() => {
                thumb.retry();
                full.retry();
              }}
            >
              Retry
            </button>
          </span>
        )}
      </div>
      {full.error && !failed && (
        <p class="muted detail-note">
          Showing a preview: the full-size image didn't load.{' '}
          <button type="button" class="link-button" onClick={full.retry}>
            Try again
          </button>
        </p>
      )}
    </div>
  );
}

interface PanelProps {
  image: LibraryImage;
  onChange: (image: LibraryImage) => void;
  onToast: (message: string) => void;
}

function SharePanel({ image, onChange, onToast }: PanelProps) {
  const [busy, setBusy] = useState<'share' | 'unshare' | 'publish' | 'unpublish' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copyHelp, setCopyHelp] = useState<string | null>(null);
  const [focusNext, setFocusNext] = useState<'link' | 'share' | null>(null);
  const [askHandle, setAskHandle] = useState(false);
  const [handle, setHandle] = useState('');
  const [handleError, setHandleError] = useState<string | null>(null);
  const linkInput = useRef<HTMLInputElement>(null);
  const shareButton = useRef<HTMLButtonElement>(null);
  const handleInput = useRef<HTMLInputElement>(null);
  const url = image.share_url ? absoluteUrl(image.share_url) : null;

  useEffect(() => {
    if (focusNext === 'link' && linkInput.current) {
      linkInput.current.focus();
      linkInput.current.select();
    } else if (focusNext === 'share') {
      shareButton.current?.focus();
    }
    setFocusNext(null);
  }, [focusNext]);

  async function copyText(text: string): Promise<boolean> {
    setCopyHelp(null);
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      linkInput.current?.focus();
      linkInput.current?.select();
      setCopyHelp('Copying was blocked. The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
      return false;
    }
  }

  async function share() {
    if (busy) return;
    setBusy('share');
    setError(null);
    try {
      const result = await api.shareImage(image.id);
      onChange({ ...image, shared: true, share_url: result.share_url });
      setFocusNext('link');
      const copied = await copyText(absoluteUrl(result.share_url));
      onToast(copied ? 'Private link copied. Only people you send it to can see this image.' : 'Private link created.');
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  async function unshare() {
    if (busy) return;
    setBusy('unshare');
    setError(null);
    setCopyHelp(null);
    try {
      await api.unshareImage(image.id);
      onChange({ ...image, shared: false, published: false, share_url: null });
      setFocusNext('share');
      onToast('Stopped sharing. The link no longer works and the image is not in Community.');
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  async function publish() {
    if (busy) return;
    setBusy('publish');
    setError(null);
    try {
      // Ask for a handle first rather than meet the API's 409 (which the browser would log as a failed request).
      const user = getSession().user?.public_handle ? getSession().user : await api.me();
      if (user) updateUser(user);
      if (!user?.public_handle) {
        setHandleError(null);
        setAskHandle(true);
        return;
      }
      const result = await api.publishImage(image.id);
      onChange({ ...image, shared: true, published: true, share_url: result.share_url });
      setAskHandle(false);
      onToast('Published. The image is listed in Community under your public handle.');
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409 && failure.field === 'public_handle') {
        setHandleError(null);
        setAskHandle(true);
      } else {
        setError(describeError(failure, []).form);
      }
    } finally {
      setBusy(null);
    }
  }

  async function saveHandleAndPublish() {
    if (busy) return;
    const value = handle.trim().toLowerCase();
    if (!/^[a-z0-9_-]{3,30}$/.test(value)) {
      setHandleError('Use 3 to 30 letters a–z, digits, _ or -.');
      handleInput.current?.focus();
      return;
    }
    setBusy('publish');
    setHandleError(null);
    try {
      updateUser(await api.updateMe({ public_handle: value }));
    } catch (failure) {
      const { fields, form } = describeError(failure, ['public_handle']);
      setHandleError(fields.public_handle ?? form);
      setBusy(null);
      handleInput.current?.focus();
      return;
    }
    setBusy(null);
    await publish();
  }

  async function unpublish() {
    if (busy) return;
    setBusy('unpublish');
    setError(null);
    try {
      await api.unpublishImage(image.id);
      onChange({ ...image, published: false });
      onToast('Removed from Community. The private link still works.');
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  const publishButton = (
    <button
      type="button"
      class="btn btn-secondary"
      onClick={publish}
      aria-disabled={busy ? 'true' : undefined}
      aria-busy={busy === 'publish' ? 'true' : undefined}
      data-testid="publish-button"
    >
      {busy === 'publish' && <span class="spinner" aria-hidden="true" />}
      Publish to Community
    </button>
  );

  return (
    <section class="detail-section" aria-labelledby="share-title">
      <h2 id="share-title">Share</h2>
      {image.shared && url ? (
        <>
          <div class="field">
            <label for="share-link">Share link</label>
            <p id="share-link-hint" class="field-hint">
              {image.published
                ? 'Anyone with this link can see the image and its prompt. It is also listed in Community.'
                : 'Private link: only people you send it to can see the image and its prompt. It is not listed in Community.'}
            </p>
            <div class="input-row">
              <input
                ref={linkInput}
                id="share-link"
                type="text"
                readOnly
                value={url}
                aria-describedby={copyHelp ? 'share-link-hint copy-help' : 'share-link-hint'}
                onFocus={(event) => event.currentTarget.select()}
                data-testid="share-link"
              />
              <button
                type="button"
                class="btn btn-primary"
                onClick={async () => (await copyText(url)) && onToast('Link copied.')}
                data-testid="copy-link"
              >
                Copy private link
              </button>
            </div>
            {copyHelp && (
              <p id="copy-help" class="field-hint field-hint-after" role="status">
                {copyHelp}
              </p>
            )}
          </div>
          <p class="share-actions">
            <a href={url} target="_blank" rel="noopener">
              Open the shared page<span class="visually-hidden"> (opens in a new tab)</span>
            </a>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={unshare}
              aria-disabled={busy ? 'true' : undefined}
              aria-busy={busy === 'unshare' ? 'true' : undefined}
              data-testid="stop-sharing"
            >
              {busy === 'unshare' && <span class="spinner" aria-hidden="true" />}
              Stop sharing
            </button>
          </p>
          <p class="share-actions" data-testid="publish-state">
            {image.published ? (
              <>
                <span>
                  Listed in <a href="/community">Community</a>.
                </span>
                <button
                  type="button"
                  class="btn btn-secondary btn-small"
                  onClick={unpublish}
                  aria-disabled={busy ? 'true' : undefined}
                  aria-busy={busy === 'unpublish' ? 'true' : undefined}
                  data-testid="unpublish-button"
                >
                  {busy === 'unpublish' && <span class="spinner" aria-hidden="true" />}
                  Remove from Community
                </button>
              </>
            ) : (
              publishButton
            )}
          </p>
        </>
      ) : (
        <>
          <p class="muted">
            A private link shows this image to whoever you send it to. Publishing also lists it in <a href="/community">Community</a>{' '}
            under your public handle.
          </p>
          <p class="share-actions">
            <button
              ref={shareButton}
              type="button"
              class="btn btn-secondary"
              onClick={share}
              aria-disabled={busy ? 'true' : undefined}
              aria-busy={busy === 'share' ? 'true' : undefined}
              data-testid="share-button"
            >
              {busy === 'share' && <span class="spinner" aria-hidden="true" />}
              Copy private link
            </button>
            {publishButton}
          </p>
        </>
      )}
      {error && (
        <p class="alert alert-error share-error" role="alert">
          {error}
        </p>
      )}
      <FormDialog
        open={askHandle}
        id="handle-dialog"
        title="Choose a public handle"
        submitLabel="Save and publish"
        busy={busy === 'publish'}
        error={null}
        onSubmit={() => void saveHandleAndPublish()}
        onCancel={() => setAskHandle(false)}
        initialFocus={handleInput}
      >
        <p id="handle-dialog-body">Community shows your images under this name, never your email or display name. You choose it once.</p>
        <div class="field">
          <label for="public-handle">Public handle</label>
          <p id="public-handle-hint" class="field-hint">
            3 to 30 letters a–z, digits, _ or -.
          </p>
          <input
            ref={handleInput}
            id="public-handle"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            value={handle}
            onInput={(event) => setHandle(event.currentTarget.value)}
            aria-invalid={handleError ? 'true' : undefined}
            aria-describedby={handleError ? 'public-handle-hint public-handle-error' : 'public-handle-hint'}
            data-testid="public-handle"
          />
          {handleError && (
            <p id="public-handle-error" class="field-error" role="alert">
              {handleError}
            </p>
          )}
        </div>
      </FormDialog>
    </section>
  );
}

function DownloadForm({ image, onToast }: { image: LibraryImage; onToast: (message: string) => void }) {
  const [format, setFormat] = useState('');
  const [width, setWidth] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A GIF or SVG downloaded as itself stays whole: its animation or its vectors are not scaled.
  const original = !format && keepsOriginalFormat(image.content_type);
  const widths = original ? [] : DOWNLOAD_WIDTHS.filter((value) => value < image.width);
  const options = formatOptions(image.content_type);

  async function handleSubmit(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const extension = format ? format.replace('jpeg', 'jpg') : imageExtension(image.content_type);
    try {
      const file = await api.imageFile(
        image.content_url,
        { format: (format || undefined) as ImageFormat | undefined, width: width && !original ? Number(width) : undefined },
        `pixmint-${image.id}.${extension}`,
      );
      const filename = saveFile(file);
      onToast(filename ? `Downloaded ${filename}.` : 'Your download has started.');
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="detail-section" aria-labelledby="download-title">
      <h2 id="download-title">Download</h2>
      <form class="download-form" onSubmit={handleSubmit} aria-labelledby="download-title">
        <div class="field">
          <label for="download-format">Format</label>
          <select
            id="download-format"
            value={format}
            onChange={(event) => {
              setFormat(event.currentTarget.value);
              if (!event.currentTarget.value && keepsOriginalFormat(image.content_type)) setWidth('');
            }}
          >
            {options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="download-width">Width</label>
          <select
            id="download-width"
            value={original ? '' : width}
            onChange={(event) => setWidth(event.currentTarget.value)}
            aria-describedby="download-width-hint"
          >
            <option value="">Original</option>
            {widths.map((value) => (
              <option key={value} value={String(value)}>
                {formatNumber(value)} px
              </option>
            ))}
          </select>
          <p id="download-width-hint" class="field-hint field-hint-after">
            The original is {formatSize(image.width, image.height)} px.
            {original ? ` A ${imageExtension(image.content_type).toUpperCase()} keeps its own size.` : ''}
          </p>
        </div>
        <div class="download-submit">
          <button
            type="submit"
            class="btn btn-primary"
            aria-disabled={busy ? 'true' : undefined}
            aria-busy={busy ? 'true' : undefined}
            data-testid="download-button"
          >
            {busy && <span class="spinner" aria-hidden="true" />}
            Download
          </button>
        </div>
      </form>
      <p class="visually-hidden" role="status">
        {busy ? 'Preparing your download…' : ''}
      </p>
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
