import { useEffect, useState } from 'preact/hooks';
import { api, type Board } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LazyThumb } from '../components/LazyThumb';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { Toast, useToast } from '../components/Toast';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';
import { imagesText } from '../library';
import '../styles/images.css';
import './Boards.css';

/** Names are at most this long (the API's limit, after runs of spaces become one). */
const MAX_NAME = 80;

export function Boards() {
  usePageTitle('Boards');
  return <RequireAuth>{() => <BoardsContent />}</RequireAuth>;
}

function BoardsContent() {
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [name, setName] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | null>(null);
  const [doomed, setDoomed] = useState<Board | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const toast = useToast(null);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    api.boards(null, controller.signal).then(
      (page) => !controller.signal.aborted && setBoards(page.items),
      (failure: unknown) => !controller.signal.aborted && setError(describeError(failure, []).form),
    );
    return () => controller.abort();
  }, [round]);

  async function create(event: Event) {
    event.preventDefault();
    if (creating) return;
    setCreating(true);
    setCreateError(null);
    try {
      const board = await api.createBoard(name);
      setBoards((current) => [board, ...(current ?? [])]);
      setName('');
      toast.show(`Made the board “${board.name}”.`);
    } catch (failure) {
      setCreateError(describeError(failure, ['name']).fields.name ?? describeError(failure, []).form);
    } finally {
      setCreating(false);
    }
  }

  async function confirmDelete() {
    if (!doomed || deleting) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await api.deleteBoard(doomed.id);
      setBoards((current) => current && current.filter((board) => board.id !== doomed.id));
      toast.show(`Deleted the board “${doomed.name}”. Its images are still in your gallery.`);
      setDoomed(null);
    } catch (failure) {
      setDeleteError(describeError(failure, []).form);
    } finally {
      setDeleting(false);
    }
  }

  return (
    <>
      <p class="back-link">
        <a href="/gallery">
          <span aria-hidden="true">← </span>Your images
        </a>
      </p>
      <div class="page-head">
        <h1 class="page-title">Boards</h1>
      </div>
      <p class="page-intro">Collect images on boards. An image can be on several boards; deleting a board keeps its images.</p>

      <form class="board-create" onSubmit={(event) => void create(event)} aria-label="New board">
        <div class="field">
          <label for="board-name">New board name</label>
          <input
            id="board-name"
            type="text"
            value={name}
            maxLength={MAX_NAME}
            required
            onInput={(event) => setName(event.currentTarget.value)}
            aria-invalid={createError ? 'true' : undefined}
            aria-describedby={createError ? 'board-name-error' : undefined}
            autoComplete="off"
          />
          {createError && (
            <p id="board-name-error" class="field-error">
              {createError}
            </p>
          )}
        </div>
        <button type="submit" class="btn btn-primary" aria-busy={creating ? 'true' : undefined} data-testid="create-board">
          {creating && <span class="spinner" aria-hidden="true" />}
          Create board
        </button>
      </form>

      <LoadError message={error} onRetry={() => setRound((n) => n + 1)} />
      {!boards && !error && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your boards…
        </p>
      )}
      {boards && boards.length === 0 && (
        <div class="empty-state" data-testid="boards-empty">
          <h2>No boards yet</h2>
          <p>Make one above, then select images in your gallery and choose “Add to board”.</p>
        </div>
      )}
      {boards && boards.length > 0 && (
        <ul class="board-list" data-testid="board-list">
          {boards.map((board) => (
            <BoardCard
              key={board.id}
              board={board}
              onRenamed={(renamed) => {
                setBoards((current) => current && current.map((item) => (item.id === renamed.id ? renamed : item)));
                toast.show(`Renamed the board to “${renamed.name}”.`);
              }}
              onDelete={() => {
                setDeleteError(null);
                setDoomed(board);
              }}
            />
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={doomed !== null}
        title={`Delete the board “${doomed?.name ?? ''}”?`}
        confirmLabel="Delete board"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDoomed(null)}
        testId="confirm-delete-board"
      >
        <p>The board goes; its images stay in your gallery.</p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

interface CardProps {
  board: Board;
  onRenamed: (board: Board) => void;
  onDelete: () => void;
}

function BoardCard({ board, onRenamed, onDelete }: CardProps) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(board.name);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const open = `/gallery?board_id=${encodeURIComponent(board.id)}`;
  const inputId = `rename-${board.id}`;

  async function save(event: Event) {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    setError(null);
    try {
      onRenamed(await api.renameBoard(board.id, name));
      setEditing(false);
    } catch (failure) {
      setError(describeError(failure, ['name']).fields.name ?? describeError(failure, []).form);
    } finally {
      setSaving(false);
    }
  }

  return (
    <li class="board-card card" data-testid="board-card" data-board-id={board.id}>
      <a href={open} class="board-cover" tabIndex={-1} aria-hidden="true">
        {board.cover_url ? (
          <LazyThumb url={board.cover_url} alt="" width={256} height={256} />
        ) : (
          <span class="board-cover-empty" />
        )}
      </a>
      {editing ? (
        <form class="board-rename" onSubmit={(event) => void save(event)}>
          <label for={inputId}>Board name</label>
          <input
            id={inputId}
            type="text"
            value={name}
            maxLength={MAX_NAME}
            required
            onInput={(event) => setName(event.currentTarget.value)}
            aria-invalid={error ? 'true' : undefined}
          />
          {error && <p class="field-error">{error}</p>}
          <div class="board-actions">
            <button type="submit" class="btn btn-small btn-primary" aria-busy={saving ? 'true' : undefined}>
              Save
            </button>
            <button
              type="button"
              class="btn btn-small btn-secondary"
              onClick={() => {
                setEditing(false);
                setName(board.name);
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <h2 class="board-name">
            <a href={open} data-testid="open-board">
              {board.name}
            </a>
          </h2>
          <p class="board-count">{imagesText(board.image_count)}</p>
          <div class="board-actions">
            <button type="button" class="btn btn-small btn-secondary" onClick={() => setEditing(true)}>
              Rename<span class="visually-hidden"> {board.name}</span>
            </button>
            <button type="button" class="btn btn-small btn-danger-outline" onClick={onDelete}>
              Delete<span class="visually-hidden"> {board.name}</span>
            </button>
          </div>
        </>
      )}
    </li>
  );
}
