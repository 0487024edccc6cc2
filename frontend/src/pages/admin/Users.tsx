import { useEffect, useRef, useState } from 'preact/hooks';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { adminApi, type AdminUser } from '../../admin';
import { formatCredits, formatDateTime, formatNumber } from '../../format';
import { describeError } from '../../forms';
import { useApiData } from '../../hooks';
import { LoadMore } from '../../components/LoadMore';

const PAGE_SIZE = 50;

export function AdminUsers() {
  return <AdminShell title="Users">{() => <UsersContent />}</AdminShell>;
}

function initialQuery(): string {
  return new URLSearchParams(location.search).get('q') ?? '';
}

function UsersContent() {
  const [draft, setDraft] = useState(initialQuery);
  const [q, setQ] = useState(initialQuery);
  const first = useApiData((signal) => adminApi.users({ q, limit: PAGE_SIZE }, signal), [q]);
  const [more, setMore] = useState<{ items: AdminUser[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const tableBody = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [first.data]);

  useEffect(() => {
    if (first.data) setAnnouncement(`${formatNumber(first.data.items.length)}${first.data.next_cursor ? ' or more' : ''} users found.`);
  }, [first.data]);

  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;

  function search(event: Event) {
    event.preventDefault();
    const text = draft.trim();
    const url = text ? `/admin?q=${encodeURIComponent(text)}` : '/admin';
    history.replaceState(history.state, '', url);
    setQ(text);
  }

  async function loadMore() {
    if (loadingMore || !cursor) return;
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await adminApi.users({ q, limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(`Loaded ${formatNumber(page.items.length)} more users.`);
      requestAnimationFrame(() => tableBody.current?.rows.item(shown)?.querySelector('a')?.focus());
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <h1 class="page-title">Users</h1>
      <form class="admin-search" role="search" onSubmit={search} aria-label="Search users">
        <div class="field">
          <label for="user-search">Email or name</label>
          <div class="input-row">
            <input id="user-search" type="search" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} maxLength={200} />
            <button type="submit" class="btn btn-primary" data-testid="user-search-submit">
              Search
            </button>
          </div>
        </div>
      </form>
      <LoadError message={first.error} onRetry={first.retry} />
      {first.loading && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading users…
        </p>
      )}
      {first.data && items.length === 0 && <p class="muted">No users match “{q}”.</p>}
      {items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="users-caption" tabIndex={0}>
          <table class="data-table" data-testid="admin-users-table">
            <caption id="users-caption">Users, flagged accounts first{q ? `, matching “${q}”` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Balance
                </th>
                <th scope="col" class="num">
                  Generations
                </th>
                <th scope="col" class="num">
                  Credits spent
                </th>
                <th scope="col" class="num">
                  Credits bought
                </th>
                <th scope="col">Joined</th>
              </tr>
            </thead>
            <tbody ref={tableBody}>
              {items.map((user) => (
                <tr key={user.id} data-testid="admin-user-row" data-email={user.email}>
                  <th scope="row">
                    <a href={`/admin/users/${encodeURIComponent(user.id)}`}>{user.email}</a>
                    {user.display_name && <span class="cell-note">{user.display_name}</span>}
                  </th>
                  <td data-label="Role">{user.role === 'admin' ? 'Admin' : 'User'}</td>
                  <td data-label="Status">
                    <UserStatus user={user} />
                  </td>
                  <td class="num" data-label="Balance">{formatCredits(user.credits)}</td>
                  <td class="num" data-label="Generations">{formatNumber(user.usage.generations)}</td>
                  <td class="num" data-label="Credits spent">{formatCredits(user.usage.credits_spent)}</td>
                  <td class="num" data-label="Credits bought">{formatCredits(user.usage.credits_bought)}</td>
                  <td data-label="Joined">
                    <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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

export function UserStatus({ user }: { user: AdminUser }) {
  return (
    <span class="badge-stack">
      {user.suspended ? (
        <span class="status-badge status-failed">Suspended</span>
      ) : (
        <span class="status-badge status-paid">Active</span>
      )}
      {user.flagged && (
        <span class="status-badge status-flagged" title={user.flag_reason ?? undefined}>
          Flagged{user.flag_reason ? `: ${user.flag_reason}` : ''}
        </span>
      )}
    </span>
  );
}
