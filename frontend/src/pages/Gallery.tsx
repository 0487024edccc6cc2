import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Board, type BulkAction, type ImageModel, type LibraryImage } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ImageActions } from '../components/ImageActions';
import { LazyThumb } from '../components/LazyThumb';
import { Lightbox } from '../components/Lightbox';
import { LoadError } from '../components/LoadError';
import { ratioStyle } from '../components/ratio';
import { RequireAuth } from '../components/RequireAuth';
import { Toast, useToast } from '../components/Toast';
import { useLongPress } from '../components/useLongPress';
import { useSentinel } from '../components/useSentinel';
import { lightboxItem } from '../generate/Stage';
import { describeError } from '../forms';
import { useApiData, useDebounced, usePageTitle } from '../hooks';
import {
  MAX_BULK,
  batches,
  groupByDay,
  imageName,
  imagesText,
  isGenerated,
  loadModels,
  modelName,
  saveFile,
  takeFlash,
} from '../library';
import { LoadMore } from '../components/LoadMore';
import '../styles/images.css';
import '../styles/tiles.css';
import './Gallery.css';
import { formatNumber } from '../format';
import { SelectField } from '../components/SelectField';

const PAGE_SIZE = 24;
const SEARCH_DEBOUNCE_MS = 300;

export function Gallery() {
  usePageTitle('Your images');
  return <RequireAuth>{() => <GalleryContent />}</RequireAuth>;
}

interface Filters extends Recall {
  q: string;
  favorite: boolean;
  model: string;
}

/** The recall filters (issue 21), named as the API's query parameters; dates are YYYY-MM-DD in the reader's zone. */
interface Recall {
  board_id: string;
  rating_min: string;
  operation: string;
  aspect: string;
  since: string;
  until: string;
  sort: string;
}

const RECALL_KEYS = ['board_id', 'rating_min', 'operation', 'aspect', 'since', 'until', 'sort'] as const;
const NO_RECALL: Recall = { board_id: '', rating_min: '', operation: '', aspect: '', since: '', until: '', sort: '' };

const RATING_OPTIONS = [5, 4, 3, 2, 1].map((stars) => ({ value: String(stars), label: stars === 5 ? '5 stars' : `${stars}+ stars` }));
const OPERATION_OPTIONS = [
  { value: 'generate', label: 'Generated' },
  { value: 'edit', label: 'Edited' },
  { value: 'inpaint', label: 'Inpainted' },
  { value: 'outpaint', label: 'Outpainted' },
  { value: 'upscale', label: 'Upscaled' },
  { value: 'remove_background', label: 'Background removed' },
  { value: 'variation', label: 'Variations' },
];
const ASPECT_OPTIONS = [
  { value: 'square', label: 'Square' },
  { value: 'landscape', label: 'Landscape' },
  { value: 'portrait', label: 'Portrait' },
  { value: '16:9', label: '16:9' },
  { value: '3:2', label: '3:2' },
  { value: '2:3', label: '2:3' },
];

/** Filters live in the address too (replaced, not pushed), so Back from an image returns to the same view. */
function readFilters(): Filters {
  const params = new URLSearchParams(location.search);
  const recall = { ...NO_RECALL };
  for (const name of RECALL_KEYS) recall[name] = params.get(name) ?? '';
  return {
    ...recall,
    q: params.get('q') ?? '',
    favorite: params.get('favorite') === 'true',
    model: params.get('model') ?? '',
  };
}

function writeFilters(filters: Filters): void {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.favorite) params.set('favorite', 'true');
  if (filters.model) params.set('model', filters.model);
  for (const name of RECALL_KEYS) if (filters[name]) params.set(name, filters[name]);
  const search = params.toString();
  const url = location.pathname + (search ? '?' + search : '');
  if (url !== location.pathname + location.search) history.replaceState(history.state, '', url);
}

/** A YYYY-MM-DD day (the reader's midnight) as an RFC 3339 moment; `next` gives the day after (an exclusive end). */
function dayStart(day: string, next = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [year, month, date] = day.split('-').map(Number);
  const moment = new Date(year, month - 1, date + (next ? 1 : 0));
  return Number.isNaN(moment.getTime()) ? undefined : moment.toISOString();
}

/** The recall filters as GET /v1/images options. */
function recallOptions(recall: Recall, q: string) {
  return {
    board_id: recall.board_id || undefined,
    rating_min: recall.rating_min ? Number(recall.rating_min) : undefined,
    operation: recall.operation || undefined,
    aspect: recall.aspect || undefined,
    since: dayStart(recall.since),
    until: dayStart(recall.until, true),
    sort: recall.sort === 'relevance' && q ? ('relevance' as const) : undefined,
  };
}

interface ListState {
  key: string;
  items: LibraryImage[];
  cursor: string | null;
}

type Pending = BulkAction | 'zip' | 'board' | null;

function GalleryContent() {
  const initial = useRef(readFilters()).current;
  const [q, setQ] = useState(initial.q);
  const [favorite, setFavorite] = useState(initial.favorite);
  const [model, setModel] = useState(initial.model);
  const [recall, setRecall] = useState<Recall>(() => {
    const { q: _q, favorite: _favorite, model: _model, ...rest } = initial;
    return rest;
  });
  const settledQ = useDebounced(q.trim(), SEARCH_DEBOUNCE_MS);
  const filtered = !!settledQ || favorite || !!model || RECALL_KEYS.some((name) => name !== 'sort' && recall[name]);
  const key = JSON.stringify([settledQ, favorite, model, recall]);
  const recallQuery = recallOptions(recall, settledQ);

  const models = useApiData((_signal) => loadModels());
  const [boards, setBoards] = useState<Board[] | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    api.boards(null, controller.signal).then(
      (page) => !controller.signal.aborted && setBoards(page.items),
      () => undefined, // The board filter and "Add to board" just stay hidden.
    );
    return () => controller.abort();
  }, []);

  function setRecallValue(name: keyof Recall, value: string) {
    setRecall((current) => ({ ...current, [name]: value }));
  }

  const [list, setList] = useState<ListState | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const grid = useRef<HTMLDivElement>(null);

  const [selecting, setSelecting] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending>(null);
  const [bulkError, setBulkError] = useState<string | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [flash] = useState(takeFlash);
  const toast = useToast(flash);
  const [open, setOpen] = useState<number | null>(null);
  const [pressed, setPressed] = useState<string | null>(null);

  useEffect(() => writeFilters({ ...recall, q: settledQ, favorite, model }), [key]);

  // The first page, again whenever the filters change.
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    setMoreError(null);
    api
      .images(
        { limit: PAGE_SIZE, q: settledQ || undefined, favorite, model: model || undefined, ...recallQuery },
        controller.signal,
      )
      .then(
        (page) => {
          if (controller.signal.aborted) return;
          setList({ key, items: page.items, cursor: page.next_cursor });
          setLoading(false);
          // Only what is still shown stays selected.
          setSelected((previous) => new Set(page.items.filter((item) => previous.has(item.id)).map((item) => item.id)));
          if (round > 0 || filtered) setAnnouncement(resultText(page.items.length, !!page.next_cursor, filtered));
        },
        (failure: unknown) => {
          if (controller.signal.aborted) return;
          setError(describeError(failure, []).form);
          setLoading(false);
        },
      );
    return () => controller.abort();
  }, [key, round]);

  const items = (list?.items ?? []).filter(isGenerated);
  const cursor = list?.cursor ?? null;
  const stale = loading && list !== null && list.key !== key;

  /** The next page; `byButton`: keyboard focus moves to the first new image (never while simply scrolling). */
  async function loadMore(byButton = false) {
    if (loadingMore || !cursor || !list) return;
    if (moreError && !byButton) return; // After a failure only "Try again" asks again.
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.images({
        limit: PAGE_SIZE,
        cursor,
        q: settledQ || undefined,
        favorite,
        model: model || undefined,
        ...recallQuery,
      });
      const seen = new Set(list.items.map((item) => item.id));
      const added = page.items.filter((item) => !seen.has(item.id));
      setList({ key: list.key, items: [...list.items, ...added], cursor: page.next_cursor });
      const kept = added.filter(isGenerated).length;
      setAnnouncement(kept === 0 ? (page.next_cursor ? '' : 'No more images.') : `Loaded ${imagesText(kept)} more.`);
      // Keyboard focus goes to the first new image, since the button may be gone now.
      if (byButton) {
        requestAnimationFrame(() => {
          const tiles = grid.current?.querySelectorAll<HTMLElement>('.tile-target');
          (tiles?.item(shown) ?? tiles?.item(shown - 1))?.focus();
        });
      }
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  function toggleSelecting() {
    setSelecting((on) => !on);
    setSelected(new Set());
    setBulkError(null);
  }

  function toggle(id: string, on: boolean) {
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  // Leaving the lightbox after taking images out of favourites, with "Favourites only" on: they leave the list.
  useEffect(() => {
    if (open === null && favorite) setList((current) => current && { ...current, items: current.items.filter((item) => item.favorite) });
  }, [open]);

  const sentinel = useSentinel<HTMLDivElement>(() => void loadMore(), !!cursor && !loadingMore && !moreError && !stale);

  function updateImage(id: string, change: Partial<LibraryImage>) {
    setList((current) => {
      if (!current) return current;
      const updated = current.items.map((item) => (item.id === id ? { ...item, ...change } : item));
      // With "Favourites only", an image taken out of favourites leaves the list (but not while it is on show).
      return { ...current, items: favorite && change.favorite === false && open === null ? updated.filter((item) => item.favorite) : updated };
    });
  }

  const selectedIds = items.filter((item) => selected.has(item.id)).map((item) => item.id);
  const count = selectedIds.length;

  async function runBulk(action: BulkAction): Promise<string[]> {
    const done: string[] = [];
    for (const batch of batches(selectedIds)) {
      const result = await api.bulkImages(action, batch);
      done.push(...result.done);
    }
    return done;
  }

  async function bulkFavorite(on: boolean) {
    if (pending || count === 0) return;
    setPending(on ? 'favorite' : 'unfavorite');
    setBulkError(null);
    try {
      const done = new Set(await runBulk(on ? 'favorite' : 'unfavorite'));
      setList((current) => {
        if (!current) return current;
        const updated = current.items.map((item) => (done.has(item.id) ? { ...item, favorite: on } : item));
        // With "Favourites only", images taken out of favourites leave the list.
        return { ...current, items: favorite && !on ? updated.filter((item) => item.favorite) : updated };
      });
      toast.show(
        on ? `Added ${imagesText(done.size)} to favourites.` : `Removed ${imagesText(done.size)} from favourites.`,
      );
    } catch (failure) {
      setBulkError(describeError(failure, []).form);
    } finally {
      setPending(null);
    }
  }

  async function downloadZip() {
    if (pending || count === 0) return;
    if (count > MAX_BULK) {
      setBulkError(`A ZIP holds at most ${formatNumber(MAX_BULK)} images. Select fewer and try again.`);
      return;
    }
    setPending('zip');
    setBulkError(null);
    try {
      const filename = saveFile(await api.downloadImages(selectedIds));
      toast.show(filename ? `Downloaded ${filename}.` : `Your download of ${imagesText(count)} has started.`);
    } catch (failure) {
      setBulkError(describeError(failure, []).form);
    } finally {
      setPending(null);
    }
  }

  async function confirmDelete() {
    if (pending) return;
    setPending('delete');
    setDeleteError(null);
    try {
      const done = new Set(await runBulk('delete'));
      setList((current) => current && { ...current, items: current.items.filter((item) => !done.has(item.id)) });
      setSelected(new Set());
      setConfirmOpen(false);
      toast.show(`Deleted ${imagesText(done.size)}.`);
    } catch (failure) {
      setDeleteError(describeError(failure, []).form);
    } finally {
      setPending(null);
    }
  }

  async function addToBoard(boardId: string) {
    if (pending || count === 0 || !boardId) return;
    setPending('board');
    setBulkError(null);
    try {
      let board: Board | null = null;
      for (const batch of batches(selectedIds)) board = await api.boardImages(boardId, batch, true);
      if (board) {
        const updated = board;
        setBoards((current) => current && current.map((item) => (item.id === updated.id ? updated : item)));
        toast.show(`Added ${imagesText(count)} to “${updated.name}”.`);
      }
    } catch (failure) {
      setBulkError(describeError(failure, []).form);
    } finally {
      setPending(null);
    }
  }

  function clearFilters() {
    setQ('');
    setFavorite(false);
    setModel('');
    setRecall(NO_RECALL);
    document.getElementById('gallery-search')?.focus();
  }

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">Your images</h1>
        <div class="page-actions">
          <a href="/boards" class="btn btn-secondary" data-testid="boards-link">
            Boards
          </a>
          <a href="/generate" class="btn btn-primary">
            Generate
          </a>
        </div>
      </div>

      <form class="gallery-filters" role="search" aria-label="Filter your images" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="gallery-search">Search prompts</label>
          <input
            id="gallery-search"
            type="search"
            value={q}
            onInput={(event) => setQ(event.currentTarget.value)}
            autoComplete="off"
            enterKeyHint="search"
          />
        </div>
        <div class="field">
          <label for="gallery-model">Model</label>
          <select id="gallery-model" value={model} onChange={(event) => setModel(event.currentTarget.value)}>
            <option value="">All models</option>
            {modelOptions(models.data, model).map((item) => (
              <option key={item.id} value={item.id}>
                {item.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field check-field">
          <input
            id="gallery-favorite"
            type="checkbox"
            checked={favorite}
            onChange={(event) => setFavorite(event.currentTarget.checked)}
          />
          <label for="gallery-favorite">Favourites only</label>
        </div>
        {boards && boards.length > 0 && (
          <SelectField
            id="gallery-board"
            label="Board"
            value={recall.board_id}
            onValue={(value) => setRecallValue('board_id', value)}
            options={[{ value: '', label: 'All images' }, ...boards.map((board) => ({ value: board.id, label: board.name }))]}
          />
        )}
        <SelectField
          id="gallery-rating"
          label="Rating"
          value={recall.rating_min}
          onValue={(value) => setRecallValue('rating_min', value)}
          options={[{ value: '', label: 'Any rating' }, ...RATING_OPTIONS]}
        />
        <SelectField
          id="gallery-operation"
          label="Made by"
          value={recall.operation}
          onValue={(value) => setRecallValue('operation', value)}
          options={[{ value: '', label: 'Any operation' }, ...OPERATION_OPTIONS]}
        />
        <SelectField
          id="gallery-aspect"
          label="Shape"
          value={recall.aspect}
          onValue={(value) => setRecallValue('aspect', value)}
          options={[{ value: '', label: 'Any shape' }, ...ASPECT_OPTIONS]}
        />
        <div class="field">
          <label for="gallery-since">From</label>
          <input
            id="gallery-since"
            type="date"
            value={recall.since}
            onChange={(event) => setRecallValue('since', event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="gallery-until">To</label>
          <input
            id="gallery-until"
            type="date"
            value={recall.until}
            onChange={(event) => setRecallValue('until', event.currentTarget.value)}
          />
        </div>
        {settledQ && (
          <div class="field check-field">
            <input
              id="gallery-relevance"
              type="checkbox"
              checked={recall.sort === 'relevance'}
              onChange={(event) => setRecallValue('sort', event.currentTarget.checked ? 'relevance' : '')}
            />
            <label for="gallery-relevance">Best match first</label>
          </div>
        )}
      </form>

      <div class="gallery-bar">
        <button
          type="button"
          class="btn btn-secondary"
          aria-pressed={selecting ? 'true' : 'false'}
          onClick={toggleSelecting}
          data-testid="select-toggle"
          disabled={items.length === 0 && !selecting}
        >
          Select
        </button>
        {selecting && items.length > 0 && (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            onClick={() => setSelected(count === items.length ? new Set() : new Set(items.map((item) => item.id)))}
          >
            {count === items.length ? 'Select none' : 'Select all shown'}
          </button>
        )}
      </div>

      {selecting && (
        <BulkToolbar
          count={count}
          pending={pending}
          boards={boards}
          onAddToBoard={(boardId) => void addToBoard(boardId)}
          onFavorite={() => void bulkFavorite(true)}
          onUnfavorite={() => void bulkFavorite(false)}
          onZip={() => void downloadZip()}
          onDelete={() => {
            if (count === 0 || pending) return;
            setDeleteError(null);
            setConfirmOpen(true);
          }}
        />
      )}
      {selecting && bulkError && (
        <p class="alert alert-error" role="alert">
          {bulkError}
        </p>
      )}

      <LoadError message={error} onRetry={() => setRound((n) => n + 1)} />
      {loading && !list && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your images…
        </p>
      )}

      {list && items.length === 0 && !loading && !error &&
        (filtered ? (
          <div class="empty-state" data-testid="gallery-empty">
            <h2>No images match these filters</h2>
            <p>Try other words, or show all your images.</p>
            <p class="empty-state-action">
              <button type="button" class="btn btn-secondary" onClick={clearFilters}>
                Clear filters
              </button>
            </p>
          </div>
        ) : (
          <div class="empty-state" data-testid="gallery-empty">
            <h2>No images yet — generate your first</h2>
            <p>Every picture you create is kept here, ready to download, favourite or share.</p>
            <p class="empty-state-action">
              <a href="/generate" class="btn btn-primary">
                Generate your first image
              </a>
            </p>
          </div>
        ))}

      {items.length > 0 && (
        <div
          ref={grid}
          class={`gallery-days${stale ? ' is-stale' : ''}`}
          aria-busy={stale ? 'true' : undefined}
          data-testid="gallery-grid"
          onPointerDown={(event) => {
            // A tap outside the tile whose actions are showing hides them.
            if (pressed && !(event.target as Element).closest(`[data-image-id="${pressed}"]`)) setPressed(null);
          }}
        >
          {groupByDay(items, (image) => image.created_at).map((group) => (
            <section key={group.key} class="gallery-day" aria-labelledby={`day-${group.key}`}>
              <h2 id={`day-${group.key}`} class="gallery-day-title">
                {group.label}
              </h2>
              <ul class="justified" aria-labelledby={`day-${group.key}`}>
                {group.items.map((image) => (
                  <GalleryTile
                    key={image.id}
                    image={image}
                    selecting={selecting}
                    checked={selected.has(image.id)}
                    onCheck={toggle}
                    models={models.data}
                    pressed={pressed === image.id}
                    onPress={() => setPressed(image.id)}
                    onOpen={() => setOpen(items.indexOf(image))}
                    onFavorite={(on) => updateImage(image.id, { favorite: on })}
                    onMessage={toast.show}
                  />
                ))}
                <li class="justified-end" aria-hidden="true" />
              </ul>
            </section>
          ))}
        </div>
      )}

      {/* The space the next page will take, so the list never jumps; reaching it loads that page. */}
      {cursor && items.length > 0 && !stale && !moreError && <div ref={sentinel} class="gallery-more-space" aria-hidden="true" />}
      {cursor && list && items.length === 0 && !loading && !stale && !moreError && (
        <div ref={sentinel} class="gallery-more-space" aria-hidden="true" />
      )}

      <LoadMore
        show={Boolean(cursor && list && !stale)}
        loading={loadingMore}
        error={moreError}
        onLoad={() => void loadMore(true)}
        announcement={announcement}
      />

      <Lightbox
        items={items.map(lightboxItem)}
        index={open !== null && open < items.length ? open : null}
        onIndex={setOpen}
        onClose={() => setOpen(null)}
        onNearEnd={() => void loadMore()}
        label="Your images"
        actions={(index, say) => {
          const image = items[index];
          return (
            <ImageActions
              key={image.id}
              image={image}
              which={`“${shorten(imageName(image), 40)}”`}
              actions={['prompt', 'edit', 'vary', 'upscale', 'favorite', 'download', 'share', 'details']}
              onFavorite={(on) => updateImage(image.id, { favorite: on })}
              onMessage={say}
              testIdPrefix="lightbox"
            />
          );
        }}
      />

      <ConfirmDialog
        open={confirmOpen}
        title={`Delete ${imagesText(count)}?`}
        confirmLabel="Delete"
        busy={pending === 'delete'}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setConfirmOpen(false)}
        testId="confirm-delete"
      >
        <p>
          {count === 1 ? 'The image is' : 'The images are'} removed for good, with any share links. This can't be undone.
        </p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

function resultText(count: number, more: boolean, filtered: boolean): string {
  // Worded unlike the empty state's heading, so the two never read as the same text.
  if (count === 0) return filtered ? 'Nothing found: 0 matching images.' : 'Your gallery is empty.';
  return `Showing ${imagesText(count)}${more ? ', more available' : ''}.`;
}

/** The API's models, plus the chosen one if it is no longer offered (e.g. from an old link). */
function modelOptions(list: ImageModel[] | null, chosen: string): { id: string; label: string }[] {
  const options = (list ?? []).map((item) => ({ id: item.id, label: item.label || item.id }));
  if (chosen && !options.some((item) => item.id === chosen)) options.push({ id: chosen, label: chosen });
  return options;
}

interface TileProps {
  image: LibraryImage;
  selecting: boolean;
  checked: boolean;
  onCheck: (id: string, on: boolean) => void;
  models: ImageModel[] | null;
  /** Its actions are showing after a long press. */
  pressed: boolean;
  onPress: () => void;
  onOpen: () => void;
  onFavorite: (favorite: boolean) => void;
  onMessage: (text: string) => void;
}

/**
 * One image at its own shape in a justified row. Its link covers it: a click opens the lightbox (a new tab, the
 * image's page). Pointing at it, focusing it or a long press shows its caption and actions. In select mode a
 * cover over the tile toggles its checkbox instead.
 */
function GalleryTile({ image, selecting, checked, onCheck, models, pressed, onPress, onOpen, onFavorite, onMessage }: TileProps) {
  const name = imageName(image);
  const checkId = `select-${image.id}`;
  const press = useLongPress(onPress);
  return (
    <li
      class={`tile${selecting ? ' is-selecting' : ''}${checked ? ' is-selected' : ''}${pressed ? ' is-pressed' : ''}`}
      style={ratioStyle(image.width, image.height)}
      data-testid="gallery-tile"
      data-image-id={image.id}
      {...(selecting ? {} : press.handlers)}
    >
      {selecting ? (
        <div class="tile-body">
          <LazyThumb url={image.thumbnail_url} alt="" width={image.width} height={image.height} transparent={image.has_alpha} />
          <span class="tile-caption">
            <span class="tile-prompt">{name}</span>
          </span>
        </div>
      ) : (
        <a
          href={`/images/${encodeURIComponent(image.id)}`}
          class="tile-body tile-link tile-target"
          onClick={(event) => {
            if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
            event.preventDefault();
            event.stopPropagation(); // The lightbox, not the router.
            if (press.consumeClick()) return;
            onOpen();
          }}
        >
          <LazyThumb url={image.thumbnail_url} alt="" width={image.width} height={image.height} transparent={image.has_alpha} />
          <span class="tile-caption">
            <span class="tile-prompt">{name}</span>
            <span class="tile-meta">{modelName(image.model, models)}</span>
          </span>
        </a>
      )}
      {image.favorite && (
        <span class="tile-badge">
          <span aria-hidden="true">★</span>
          <span class="visually-hidden">Favourite</span>
        </span>
      )}
      {!selecting && (
        <div class="tile-actions">
          <ImageActions
            image={image}
            which={`“${shorten(name, 40)}”`}
            actions={['prompt', 'edit', 'favorite', 'download']}
            compact
            onFavorite={onFavorite}
            onMessage={onMessage}
          />
        </div>
      )}
      {selecting && (
        // A tap anywhere on the tile toggles it; keyboards and screen readers use the checkbox itself.
        <span class="tile-cover" aria-hidden="true" onClick={() => onCheck(image.id, !checked)} />
      )}
      {selecting && (
        <label class="tile-check tile-target" for={checkId}>
          <input
            id={checkId}
            type="checkbox"
            checked={checked}
            onChange={(event) => onCheck(image.id, event.currentTarget.checked)}
          />
          <span class="visually-hidden">Select image: {name}</span>
        </label>
      )}
    </li>
  );
}

function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;
}

interface ToolbarProps {
  count: number;
  pending: Pending;
  boards: Board[] | null;
  onAddToBoard: (boardId: string) => void;
  onFavorite: () => void;
  onUnfavorite: () => void;
  onZip: () => void;
  onDelete: () => void;
}

/**
 * The actions for the selected images. A toolbar is one tab stop: the arrow keys, Home and End move
 * between its buttons.
 */
function BulkToolbar({ count, pending, boards, onAddToBoard, onFavorite, onUnfavorite, onZip, onDelete }: ToolbarProps) {
  const [active, setActive] = useState(0);
  const [target, setTarget] = useState('');
  const bar = useRef<HTMLDivElement>(null);
  const none = count === 0;
  const buttons: { label: string; action: () => void; busy: boolean; danger?: boolean }[] = [
    { label: 'Favourite', action: onFavorite, busy: pending === 'favorite' },
    { label: 'Unfavourite', action: onUnfavorite, busy: pending === 'unfavorite' },
    { label: 'Download ZIP', action: onZip, busy: pending === 'zip' },
    { label: 'Delete', action: onDelete, busy: pending === 'delete', danger: true },
  ];

  function handleKey(event: KeyboardEvent) {
    const last = buttons.length - 1;
    let next: number | null = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = active === last ? 0 : active + 1;
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = active === 0 ? last : active - 1;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = last;
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    bar.current?.querySelectorAll<HTMLButtonElement>('button').item(next)?.focus();
  }

  return (
    <div class="bulk-toolbar" role="toolbar" aria-label="Selected images" ref={bar} onKeyDown={handleKey} data-testid="bulk-toolbar">
      <span class="bulk-count" aria-live="polite" data-testid="selected-count">
        {formatNumber(count)} selected
      </span>
      <div class="bulk-buttons">
        {buttons.map((button, index) => (
          <button
            key={button.label}
            type="button"
            class={`btn btn-small ${button.danger ? 'btn-danger-outline' : 'btn-secondary'}`}
            tabIndex={index === active ? 0 : -1}
            onFocus={() => setActive(index)}
            onClick={() => !none && !pending && button.action()}
            aria-disabled={none || (pending !== null && !button.busy) ? 'true' : undefined}
            aria-busy={button.busy ? 'true' : undefined}
          >
            {button.busy && <span class="spinner" aria-hidden="true" />}
            {button.label}
          </button>
        ))}
      </div>
      {boards && boards.length > 0 && (
        <div class="bulk-board">
          <label for="bulk-board" class="visually-hidden">
            Board to add the selected images to
          </label>
          <select id="bulk-board" value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
            <option value="">Choose a board…</option>
            {boards.map((board) => (
              <option key={board.id} value={board.id}>
                {board.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="btn btn-small btn-secondary"
            data-testid="add-to-board"
            onClick={() => target && !none && !pending && onAddToBoard(target)}
            aria-disabled={none || !target || pending !== null ? 'true' : undefined}
            aria-busy={pending === 'board' ? 'true' : undefined}
          >
            {pending === 'board' && <span class="spinner" aria-hidden="true" />}
            Add to board
          </button>
        </div>
      )}
    </div>
  );
}
