import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { LoadMore } from '../../components/LoadMore';
import { formatDateTime, formatNumber } from '../../format';
import { describeError } from '../../forms';
import { useApiData } from '../../hooks';

type ReportPage = Schemas['CommunityReportPage'];
type Report = ReportPage['items'][number];

const PAGE_SIZE = 50;
const REASONS: Record<Report['reason'], string> = {
  spam: 'Spam',
  offensive: 'Offensive',
  copyright: 'Copyright',
  other: 'Something else',
};

const reportsPage = (options: { limit: number; cursor?: string | null }, signal?: AbortSignal) =>
  request<ReportPage>('GET', `/admin/community/reports?limit=${options.limit}${options.cursor ? `&cursor=${encodeURIComponent(options.cursor)}` : ''}`, { signal });

export function AdminCommunityReports() {
  return <AdminShell title="Community reports">{() => <ReportsContent />}</AdminShell>;
}

function ReportsContent() {
  const first = useApiData((signal) => reportsPage({ limit: PAGE_SIZE }, signal));
  const [more, setMore] = useState<{ items: Report[]; cursor: string | null } | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])].filter((report) => !hidden.has(report.slug));
  const cursor = more ? more.cursor : first.data?.next_cursor ?? null;

  async function hide(report: Report) {
    if (busy) return;
    setBusy(report.slug);
    setError(null);
    try {
      await request<void>('POST', `/admin/community/${encodeURIComponent(report.slug)}/hide`);
      setHidden((previous) => new Set(previous).add(report.slug));
      setAnnouncement('Hidden. The image is off Community, its link no longer works and its reports are closed.');
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  async function loadMore() {
    if (loadingMore || !cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await reportsPage({ limit: PAGE_SIZE, cursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(page.items.length ? `Loaded ${formatNumber(page.items.length)} more reports.` : 'No more reports.');
    } catch (failure) {
      setMoreError(describeError(failure, []).form);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <h1 class="page-title">Community reports</h1>
      <p class="muted">Open reports of published images, newest first. Hiding takes the image down for good and closes its reports.</p>
      <LoadError message={first.error} onRetry={first.retry} />
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
      {first.loading && !first.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading reports…
        </p>
      )}
      {first.data && items.length === 0 && <p class="muted" data-testid="reports-empty">No open reports.</p>}
      {items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="reports-caption" tabIndex={0}>
          <table class="data-table" data-testid="reports-table">
            <caption id="reports-caption">Open reports, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Image</th>
                <th scope="col">Reason</th>
                <th scope="col">Note</th>
                <th scope="col" class="num">Open reports</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((report) => (
                <tr key={report.id} data-testid="report-row" data-slug={report.slug}>
                  <th scope="row">
                    <time dateTime={report.created_at}>{formatDateTime(report.created_at)}</time>
                  </th>
                  <td class="cell-wrap" data-label="Image">
                    <a href={`/s/${encodeURIComponent(report.slug)}`}>{report.prompt || 'Uploaded image'}</a>
                  </td>
                  <td data-label="Reason">{REASONS[report.reason]}</td>
                  <td class="cell-wrap" data-label="Note">{report.note ?? '—'}</td>
                  <td class="num" data-label="Open reports">{formatNumber(report.open_reports)}</td>
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="btn btn-danger btn-small"
                      onClick={() => void hide(report)}
                      aria-disabled={busy ? 'true' : undefined}
                      aria-busy={busy === report.slug ? 'true' : undefined}
                      aria-label={`Hide “${(report.prompt || 'Uploaded image').slice(0, 60)}”`}
                      data-testid="hide-button"
                    >
                      {busy === report.slug && <span class="spinner" aria-hidden="true" />}
                      Hide
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore show={Boolean(cursor && items.length > 0)} loading={loadingMore} error={moreError} onLoad={() => void loadMore()} announcement="" />
    </>
  );
}
