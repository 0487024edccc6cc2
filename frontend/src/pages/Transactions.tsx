import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Payment, type Transaction } from '../api';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { kindLabel, statusLabel } from '../credits';
import { formatCredits, formatDateTime, formatDelta, formatMoney, formatNumber } from '../format';
import { describeError } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import { LoadMore } from '../components/LoadMore';
import './Transactions.css';

const PAGE_SIZE = 20;
const RECENT_PAYMENTS = 5;

export function Transactions() {
  usePageTitle('Transactions');
  return <RequireAuth>{() => <TransactionsContent />}</RequireAuth>;
}

interface More {
  items: Transaction[];
  cursor: string | null;
}

function TransactionsContent() {
  const first = useApiData((signal) => api.transactions({ limit: PAGE_SIZE }, signal));
  const payments = useApiData((signal) => api.payments(null, signal));
  const [more, setMore] = useState<More | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const tableBody = useRef<HTMLTableSectionElement>(null);

  // A reload of the first page starts the list over.
  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [first.data]);

  const items = dedupe([...(first.data?.items ?? []), ...(more?.items ?? [])]);
  const nextCursor = more ? more.cursor : first.data?.next_cursor ?? null;

  async function loadMore() {
    if (loadingMore || !nextCursor) return;
    const shown = items.length;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.transactions({ limit: PAGE_SIZE, cursor: nextCursor });
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
      setAnnouncement(
        page.items.length === 0
          ? 'No more transactions.'
          : `Loaded ${formatNumber(page.items.length)} more ${page.items.length === 1 ? 'transaction' : 'transactions'}.`,
      );
      // Put keyboard focus on the first new row, since the button may be gone once everything is shown.
      requestAnimationFrame(() => {
        const row = tableBody.current?.rows.item(shown);
        (row ?? tableBody.current?.rows.item(shown - 1))?.focus();
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
        <h1 class="page-title">Transactions</h1>
        <div class="page-actions">
          <DownloadCsv />
          <a href="/credits" class="btn btn-primary">
            Buy credits
          </a>
        </div>
      </div>

      <section class="section" aria-labelledby="history-title">
        <h2 id="history-title">Credit history</h2>
        <LoadError message={first.error} onRetry={first.retry} />
        {first.loading && !first.data && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading your transactions…
          </p>
        )}
        {first.data && items.length === 0 && (
          <div class="empty-state" data-testid="transactions-empty">
            <h3>No transactions yet</h3>
            <p>
              Purchases, images you generate and any refunds will be listed here. <a href="/credits">Buy credits</a> to
              get started.
            </p>
          </div>
        )}
        {items.length > 0 && (
          <div class="table-wrap" role="region" aria-labelledby="transactions-caption" tabIndex={0}>
            <table class="data-table" data-testid="transactions-table">
              <caption id="transactions-caption">Credit transactions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">
                    Change
                  </th>
                  <th scope="col" class="num">
                    Balance after
                  </th>
                </tr>
              </thead>
              <tbody ref={tableBody}>
                {items.map((item) => (
                  <tr key={item.id} tabIndex={-1} data-testid="transaction-row" data-kind={item.kind}>
                    <th scope="row">
                      <time dateTime={item.created_at}>{formatDateTime(item.created_at)}</time>
                    </th>
                    <td>
                      <TransactionSubject item={item} />
                    </td>
                    <td class={`num ${item.delta < 0 ? 'delta-negative' : 'delta-positive'}`}>{formatDelta(item.delta)}</td>
                    <td class="num">{formatCredits(item.balance_after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <LoadMore
          show={Boolean(nextCursor && items.length > 0)}
          loading={loadingMore}
          error={moreError}
          onLoad={loadMore}
          announcement={announcement}
        />
      </section>

      <section class="section" aria-labelledby="payments-title">
        <h2 id="payments-title">Recent payments</h2>
        <LoadError message={payments.error} onRetry={payments.retry} />
        {payments.loading && !payments.data && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading your payments…
          </p>
        )}
        {payments.data && payments.data.items.length === 0 && <p class="muted">You haven't made any payments yet.</p>}
        {payments.data && payments.data.items.length > 0 && (
          <ul class="payment-list" data-testid="payments-list">
            {payments.data.items.slice(0, RECENT_PAYMENTS).map((payment) => (
              <PaymentItem key={payment.id} payment={payment} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function PaymentItem({ payment }: { payment: Payment }) {
  return (
    <li class="payment-item" data-testid="payment-row" data-status={payment.status}>
      <span class="payment-what">
        <strong>{formatMoney(payment.amount_cents, payment.currency)}</strong> for {formatCredits(payment.credits)} credits
      </span>
      <time class="payment-when muted" dateTime={payment.created_at}>
        {formatDateTime(payment.created_at)}
      </time>
      <span class={`status-badge status-${payment.status}`}>
        <span class="visually-hidden">Status: </span>
        {statusLabel(payment.status)}
      </span>
      {payment.failure_reason && (payment.status === 'failed' || payment.status === 'expired') && (
        <span class="payment-reason">{payment.failure_reason}</span>
      )}
    </li>
  );
}

/** The CSV needs the Authorization header, so it is fetched and handed to the browser as a Blob URL. */
function DownloadCsv() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');

  async function handleClick() {
    if (busy) return;
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const { blob, filename } = await api.exportTransactions();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setDone(`Downloaded ${filename}.`);
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        class="btn btn-secondary"
        data-testid="download-csv"
        onClick={handleClick}
        aria-disabled={busy ? 'true' : undefined}
        aria-busy={busy ? 'true' : undefined}
      >
        {busy && <span class="spinner" aria-hidden="true" />}
        Download CSV
      </button>
      <p class="visually-hidden" role="status">
        {busy ? 'Preparing your CSV file…' : done}
      </p>
      {error && (
        <p class="alert alert-error page-actions-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function dedupe(items: Transaction[]): Transaction[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = String(item.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The row's kind, linked to what it was for: a generation's image, or the checkout it paid. */
function TransactionSubject({ item }: { item: Transaction }) {
  const label = kindLabel(item.kind);
  if (item.image_id) {
    return (
      <a href={`/images/${encodeURIComponent(item.image_id)}`} data-testid="transaction-image">
        {label}
      </a>
    );
  }
  if (item.payment_id) {
    return (
      <a href={`/credits/return?checkout_id=${encodeURIComponent(item.payment_id)}`} data-testid="transaction-payment">
        {label}
      </a>
    );
  }
  return <>{label}</>;
}
