import { useRef, useState } from 'preact/hooks';
import { adminApi, type AuditEntry } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { LoadMore } from '../../components/LoadMore';
import { formatDateTime, formatNumber } from '../../format';
import { describeError } from '../../forms';
import { useApiData } from '../../hooks';
import { auditChanges, type Leaf } from './auditDiff';

const PAGE_SIZE = 50;

export function AdminAudit() {
  return <AdminShell title="Audit log">{() => <AuditContent />}</AdminShell>;
}

interface Filters {
  action: string;
  actor: string;
}

function initialFilters(): Filters {
  const query = new URLSearchParams(location.search);
  return { action: query.get('action') ?? '', actor: query.get('actor') ?? '' };
}

/** The filters stay in the address, so a filtered view can be reloaded or shared with another admin. */
function keepInAddress(filters: Filters) {
  const query = new URLSearchParams();
  if (filters.action) query.set('action', filters.action);
  if (filters.actor) query.set('actor', filters.actor);
  const search = query.toString();
  history.replaceState(history.state, '', search ? `/admin/audit?${search}` : '/admin/audit');
}

function distinct(values: (string | null | undefined)[], chosen: string): string[] {
  return [...new Set([...values.filter((value): value is string => !!value), ...(chosen ? [chosen] : [])])].sort();
}

function AuditContent() {
  const first = useApiData((signal) => adminApi.auditLog({ limit: PAGE_SIZE }, signal));
  const [more, setMore] = useState<{ items: AuditEntry[]; cursor: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [filters, setFilters] = useState<Filters>(initialFilters);
  const tableBody = useRef<HTMLTableSectionElement>(null);

  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;
  const shown = items.filter(
    (entry) => (!filters.action || entry.action === filters.action) && (!filters.actor || entry.actor_email === filters.actor),
  );
  const filtered = Boolean(filters.action || filters.actor);

  function filter(change: Partial<Filters>) {
    const next = { ...filters, ...change };
    setFilters(next);
    keepInAddress(next);
  }

  async function loadMore() {
    if (loadingMore || !cursor) return;
    const visible = shown.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await adminApi.auditLog({ limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(page.items.length ? `Loaded ${formatNumber(page.items.length)} more entries.` : 'No more entries.');
      requestAnimationFrame(() => tableBody.current?.rows.item(visible)?.focus());
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <h1 class="page-title">Audit log</h1>
      <p class="muted">Every admin action, newest first, with what it changed.</p>
      <LoadError message={first.error} onRetry={first.retry} />
      {first.loading && !first.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading the audit log…
        </p>
      )}
      {first.data && items.length === 0 && <p class="muted">No admin actions yet.</p>}
      {items.length > 0 && (
        <div class="audit-filters" role="group" aria-labelledby="audit-filters-title">
          <h2 id="audit-filters-title" class="visually-hidden">
            Filter the loaded entries
          </h2>
          <div class="field">
            <label for="audit-action">Action</label>
            <select id="audit-action" value={filters.action} onChange={(event) => filter({ action: event.currentTarget.value })} data-testid="audit-filter-action">
              <option value="">All actions</option>
              {distinct(
                items.map((entry) => entry.action),
                filters.action,
              ).map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-actor">Who</label>
            <select id="audit-actor" value={filters.actor} onChange={(event) => filter({ actor: event.currentTarget.value })} data-testid="audit-filter-actor">
              <option value="">Every admin</option>
              {distinct(
                items.map((entry) => entry.actor_email),
                filters.actor,
              ).map((actor) => (
                <option key={actor} value={actor}>
                  {actor}
                </option>
              ))}
            </select>
          </div>
          <p class="muted audit-count" role="status" data-testid="audit-count">
            {filtered
              ? `${formatNumber(shown.length)} of ${formatNumber(items.length)} loaded ${items.length === 1 ? 'entry' : 'entries'} match.`
              : `${formatNumber(items.length)} ${items.length === 1 ? 'entry' : 'entries'} loaded.`}
          </p>
          {filtered && (
            <button type="button" class="btn btn-secondary btn-small" onClick={() => filter({ action: '', actor: '' })}>
              Clear filters
            </button>
          )}
        </div>
      )}
      {items.length > 0 && shown.length === 0 && (
        <p class="muted" data-testid="audit-none-match">
          None of the loaded entries match{cursor ? ': load more, or clear the filters.' : '.'}
        </p>
      )}
      {shown.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="data-table audit-table" data-testid="audit-table">
            <caption id="audit-caption">Admin actions, newest first{filtered ? ', filtered' : ''}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody ref={tableBody}>
              {shown.map((entry) => (
                <tr key={entry.id} tabIndex={-1} data-testid="audit-row" data-action={entry.action}>
                  <th scope="row">
                    <time dateTime={entry.created_at}>{formatDateTime(entry.created_at)}</time>
                  </th>
                  <td class="cell-wrap audit-who" data-label="Who">
                    {entry.actor_email ?? '—'}
                  </td>
                  <td data-label="Action">
                    <code>{entry.action}</code>
                  </td>
                  <td class="cell-wrap" data-label="Target">
                    {entry.target_type ?? '—'}
                    {entry.target_id ? (
                      <>
                        {' '}
                        <code>{entry.target_id}</code>
                      </>
                    ) : null}
                  </td>
                  <td class="audit-changes" data-label="Changes">
                    <AuditDiff entry={entry} />
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
        testId="audit-load-more"
      />
    </>
  );
}

/** Each changed key as "key: before → after"; the whole record, as stored, folded away beneath. */
function AuditDiff({ entry }: { entry: AuditEntry }) {
  const changes = auditChanges(entry.before, entry.after);
  return (
    <>
      {changes.length === 0 ? (
        <p class="muted audit-unchanged">Nothing changed.</p>
      ) : (
        <ul class="audit-diff" data-testid="audit-diff">
          {changes.map((change) => {
            const key = change.path.join(' › ') || 'value';
            return (
              <li key={key} data-testid="audit-change" data-key={key}>
                <span class="diff-key">{key}</span>{' '}
                <span class="diff-values">
                  <del class="diff-before" data-testid="diff-before">
                    <LeafValue value={change.before} />
                  </del>{' '}
                  <span aria-hidden="true">→</span>
                  <span class="visually-hidden">changed to</span>{' '}
                  <ins class="diff-after" data-testid="diff-after">
                    <LeafValue value={change.after} />
                  </ins>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <details class="audit-raw">
        <summary>Full record</summary>
        <p class="audit-raw-label">Before</p>
        <pre class="json-cell">{entry.before === null || entry.before === undefined ? '—' : JSON.stringify(entry.before, null, 1)}</pre>
        <p class="audit-raw-label">After</p>
        <pre class="json-cell">{entry.after === null || entry.after === undefined ? '—' : JSON.stringify(entry.after, null, 1)}</pre>
      </details>
    </>
  );
}

function LeafValue({ value }: { value: Leaf | undefined }) {
  if (value === undefined || value === null) {
    return (
      <>
        <span aria-hidden="true">—</span>
        <span class="visually-hidden">{value === undefined ? 'nothing' : 'none'}</span>
      </>
    );
  }
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  // Prices and costs keep their decimals: a provider cost may be a fraction of a cent.
  if (typeof value === 'number') return <>{formatNumber(value, 6)}</>;
  return <>{value === '' ? '(empty)' : value}</>;
}
