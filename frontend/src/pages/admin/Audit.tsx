import { useRef, useState } from 'preact/hooks';
import { adminApi, type AuditEntry } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { formatDateTime } from '../../format';
import { describeError } from '../../forms';
import { useApiData } from '../../hooks';
import { LoadMore } from '../../components/LoadMore';

const PAGE_SIZE = 50;

export function AdminAudit() {
  return <AdminShell title="Audit log">{() => <AuditContent />}</AdminShell>;
}

function AuditContent() {
  const first = useApiData((signal) => adminApi.auditLog({ limit: PAGE_SIZE }, signal));
  const [more, setMore] = useState<{ items: AuditEntry[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const tableBody = useRef<HTMLTableSectionElement>(null);

  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;

  async function loadMore() {
    if (loadingMore || !cursor) return;
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await adminApi.auditLog({ limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(page.items.length ? `Loaded ${page.items.length} more entries.` : 'No more entries.');
      requestAnimationFrame(() => tableBody.current?.rows.item(shown)?.focus());
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <h1 class="page-title">Audit log</h1>
      <p class="muted">Every admin action, newest first.</p>
      <LoadError message={first.error} onRetry={first.retry} />
      {first.loading && !first.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading the audit log…
        </p>
      )}
      {first.data && items.length === 0 && <p class="muted">No admin actions yet.</p>}
      {items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="data-table audit-table" data-testid="audit-table">
            <caption id="audit-caption">Admin actions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody ref={tableBody}>
              {items.map((entry) => (
                <tr key={entry.id} tabIndex={-1} data-testid="audit-row" data-action={entry.action}>
                  <th scope="row">
                    <time dateTime={entry.created_at}>{formatDateTime(entry.created_at)}</time>
                  </th>
                  <td>{entry.actor_email ?? '—'}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td class="cell-wrap">
                    {entry.target_type ?? '—'}
                    {entry.target_id ? (
                      <>
                        {' '}
                        <code>{entry.target_id}</code>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <JsonValue value={entry.before} />
                  </td>
                  <td>
                    <JsonValue value={entry.after} />
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
        announcement={announcement} testId="audit-load-more"
      />
    </>
  );
}

function JsonValue({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">—</span>;
  return <pre class="json-cell">{JSON.stringify(value, null, 1)}</pre>;
}
