import { useEffect, useRef, useState } from 'preact/hooks';
import { adminApi, formatRate, type Metrics, type StatusCounts } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { formatDateTime, formatNumber } from '../../format';
import { describeError } from '../../forms';

const REFRESH_MS = 10_000;

export function AdminMetrics() {
  return <AdminShell title="Metrics">{() => <MetricsContent />}</AdminShell>;
}

/** Live figures, fetched again every 10 s while the tab is visible and auto-refresh is on. */
function MetricsContent() {
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [auto, setAuto] = useState(true);
  const controller = useRef<AbortController | null>(null);

  async function load() {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setLoading(true);
    try {
      const result = await adminApi.metrics(current.signal);
      if (current.signal.aborted) return;
      setMetrics(result);
      setError(null);
    } catch (failure) {
      if (!current.signal.aborted) setError(describeError(failure, []).form);
    } finally {
      if (!current.signal.aborted) setLoading(false);
    }
  }

  useEffect(() => {
    void load();
    return () => controller.current?.abort();
  }, []);

  useEffect(() => {
    if (!auto) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      clearInterval(timer);
      timer = setInterval(() => {
        if (document.visibilityState === 'visible') void load();
      }, REFRESH_MS);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        void load();
        start();
      } else {
        clearInterval(timer);
      }
    };
    start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [auto]);

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">Metrics</h1>
        <div class="page-actions">
          <div class="checkbox-field">
            <input id="auto-refresh" type="checkbox" checked={auto} onChange={(event) => setAuto(event.currentTarget.checked)} />
            <label for="auto-refresh">Refresh every 10 seconds</label>
          </div>
          <button
            type="button"
            class="btn btn-secondary"
            onClick={() => void load()}
            aria-busy={loading ? 'true' : undefined}
            data-testid="refresh-metrics"
          >
            {loading && <span class="spinner" aria-hidden="true" />}
            Refresh now
          </button>
        </div>
      </div>
      <LoadError message={error} onRetry={() => void load()} />
      {!metrics && !error && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading metrics…
        </p>
      )}
      {metrics && (
        <div data-testid="metrics">
          <p class="muted" data-testid="metrics-updated">
            Figures as of <time dateTime={metrics.generated_at}>{formatDateTime(metrics.generated_at)}</time>
            {auto ? ', refreshed every 10 seconds while this tab is visible.' : '. Auto-refresh is off.'}
          </p>
          <dl class="kpis">
            <Figure label="Failure rate (last day)" value={formatRate(metrics.failure_rate)} />
            <Figure label="Provider latency p50" value={ms(metrics.provider_latency_ms.p50)} />
            <Figure label="Provider latency p95" value={ms(metrics.provider_latency_ms.p95)} />
            <Figure label="Stuck generations" value={count(metrics.stuck.total)} warn={metrics.stuck.total > 0} testId="metric-stuck" />
            <Figure label="Queue: waiting" value={count(metrics.queue.visible)} />
            <Figure label="Queue: in flight" value={count(metrics.queue.in_flight)} />
            <Figure label="Queue: delayed" value={count(metrics.queue.delayed)} />
            <Figure
              label="Dead letters"
              value={count(metrics.queue.dead_letters)}
              warn={(metrics.queue.dead_letters ?? 0) > 0}
            />
          </dl>
          <div class="table-wrap" role="region" aria-labelledby="generations-caption" tabIndex={0}>
            <table class="data-table" data-testid="metrics-generations">
              <caption id="generations-caption">Generations by status</caption>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col" class="num">Queued</th>
                  <th scope="col" class="num">Running</th>
                  <th scope="col" class="num">Succeeded</th>
                  <th scope="col" class="num">Failed</th>
                </tr>
              </thead>
              <tbody>
                <StatusRow label="Last hour" counts={metrics.generations.last_hour} />
                <StatusRow label="Last day" counts={metrics.generations.last_day} />
                <tr>
                  <th scope="row">Stuck now</th>
                  <td class="num" data-label="Queued">{count(metrics.stuck.queued)}</td>
                  <td class="num" data-label="Running">{count(metrics.stuck.running)}</td>
                  <td class="num" data-label="Succeeded">—</td>
                  <td class="num" data-label="Failed">—</td>
                </tr>
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}

function StatusRow({ label, counts }: { label: string; counts: StatusCounts }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td class="num" data-label="Queued">{count(counts.queued)}</td>
      <td class="num" data-label="Running">{count(counts.running)}</td>
      <td class="num" data-label="Succeeded">{count(counts.succeeded)}</td>
      <td class="num" data-label="Failed">{count(counts.failed)}</td>
    </tr>
  );
}

function Figure({ label, value, warn, testId }: { label: string; value: string; warn?: boolean; testId?: string }) {
  return (
    <div class={warn ? 'kpi kpi-warn' : 'kpi'} data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        {value}
        {warn && <span class="visually-hidden"> (needs attention)</span>}
      </dd>
    </div>
  );
}

function count(value: number | null): string {
  return value === null ? 'n/a' : formatNumber(value);
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${formatNumber(value)} ms`;
}
