import { lazy } from 'preact-iso';
import { useState } from 'preact/hooks';
import { adminApi, formatRate, formatUsd, type GroupBy, type ReportQuery, type UsageReport, type UsageRow } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { formatCredits, formatDateTime, formatNumber, formatPercent } from '../../format';
import { describeError, useFormSubmit, type FieldErrors } from '../../forms';
import { saveBlob } from '../../generations';
import { useApiData } from '../../hooks';

// The chart library loads only when a chart is shown.
const UsageChart = lazy(() => import('../../components/UsageChart').then((m) => m.UsageChart));

const FIELDS = ['from', 'to', 'group_by'] as const;
const GROUPS: { value: GroupBy; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'model', label: 'Model' },
  { value: 'user', label: 'User' },
];
const DAY_MS = 86_400_000;

export function AdminReports() {
  return <AdminShell title="Reports">{() => <ReportsContent />}</AdminShell>;
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The API's `to` is exclusive; the form's "To" day is included. */
function toQuery(from: string, through: string, groupBy: GroupBy): ReportQuery {
  return { from, to: isoDay(Date.parse(through + 'T00:00:00Z') + DAY_MS), group_by: groupBy };
}

function ReportsContent() {
  const today = Date.now();
  const [from, setFrom] = useState(isoDay(today - 29 * DAY_MS));
  const [through, setThrough] = useState(isoDay(today));
  const [groupBy, setGroupBy] = useState<GroupBy>('day');
  const [current, setCurrent] = useState<ReportQuery>(() => toQuery(from, through, groupBy));
  const report = useApiData((signal) => adminApi.usageReport(current, signal), [current]);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS, { to: 'to' });
  const [csvBusy, setCsvBusy] = useState(false);
  const [csvError, setCsvError] = useState<string | null>(null);
  const [csvDone, setCsvDone] = useState('');

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => {
        const invalid: FieldErrors = {};
        if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) invalid.from = 'Choose the first day.';
        if (!/^\d{4}-\d{2}-\d{2}$/.test(through)) invalid.to = 'Choose the last day.';
        else if (from && through < from) invalid.to = 'The last day is on or after the first.';
        return invalid;
      },
      async () => setCurrent(toQuery(from, through, groupBy)),
    );
  }

  async function downloadCsv() {
    if (csvBusy) return;
    setCsvBusy(true);
    setCsvError(null);
    setCsvDone('');
    try {
      const { blob, filename } = await adminApi.usageReportCsv(current);
      saveBlob(blob, filename);
      setCsvDone(`Downloaded ${filename}.`);
    } catch (failure) {
      setCsvError(describeError(failure, []).form);
    } finally {
      setCsvBusy(false);
    }
  }

  return (
    <>
      <div class="page-head">
        <h1 class="page-title">Reports</h1>
        <div class="page-actions">
          <button
            type="button"
            class="btn btn-secondary"
            onClick={downloadCsv}
            aria-disabled={csvBusy ? 'true' : undefined}
            aria-busy={csvBusy ? 'true' : undefined}
            data-testid="report-csv"
          >
            {csvBusy && <span class="spinner" aria-hidden="true" />}
            Download CSV
          </button>
          <p class="visually-hidden" role="status">
            {csvBusy ? 'Preparing the CSV file…' : csvDone}
          </p>
          {csvError && (
            <p class="alert alert-error page-actions-error" role="alert">
              {csvError}
            </p>
          )}
        </div>
      </div>

      <form ref={formRef} onSubmit={handleSubmit} noValidate class="report-form card" aria-label="Report period">
        <FormAlert message={errors.form} />
        <div class="field-row">
          <DateField id="from" label="From" value={from} onValue={setFrom} error={errors.fields.from} />
          <DateField id="to" label="To (included)" value={through} onValue={setThrough} error={errors.fields.to} />
          <div class="field">
            <label for="group_by">Group by</label>
            <select id="group_by" value={groupBy} onChange={(event) => setGroupBy(event.currentTarget.value as GroupBy)}>
              {GROUPS.map((group) => (
                <option key={group.value} value={group.value}>
                  {group.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <SubmitButton busy={busy || report.loading} busyText="Loading the report…" testId="run-report">
          Show report
        </SubmitButton>
      </form>

      <LoadError message={report.error} onRetry={report.retry} />
      {report.loading && !report.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading the report…
        </p>
      )}
      {report.data && <ReportView report={report.data} />}
    </>
  );
}

function DateField({ id, label, value, onValue, error }: { id: string; label: string; value: string; onValue: (v: string) => void; error?: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        required
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function ReportView({ report }: { report: UsageReport }) {
  const last = isoDay(Date.parse(report.to + 'T00:00:00Z') - DAY_MS);
  const groupLabel = report.group_by === 'day' ? 'Day (UTC)' : report.group_by === 'model' ? 'Model' : 'User';
  return (
    <section class="section" aria-labelledby="report-title" data-testid="usage-report">
      <h2 id="report-title">
        {report.from} to {last}, by {report.group_by}
      </h2>
      <p class="muted">Generated {formatDateTime(report.generated_at)}.</p>
      <dl class="kpis">
        <Kpi label="Revenue" value={report.total.revenue_cents === null ? '—' : formatUsd(report.total.revenue_cents / 100)} />
        <Kpi label="Credits spent" value={formatCredits(report.total.credits_spent)} />
        <Kpi label="Provider cost (list)" value={formatUsd(report.total.provider_cost_usd)} />
        <Kpi label="Provider cost (billed)" value={formatUsd(report.total.actual_cost_usd)} />
        <Kpi label="Gross margin (billed)" value={formatUsd(report.total.actual_margin_usd)} />
        <Kpi label="Generations" value={formatNumber(report.total.generations)} />
        <Kpi label="Failure rate" value={formatRate(report.total.failure_rate)} />
      </dl>
      {report.group_by === 'day' && report.rows.length > 0 && (
        <UsageChart rows={report.rows} />
      )}
      {report.group_by !== 'day' && <p class="muted">The chart is shown when grouping by day.</p>}
      {report.rows.length === 0 ? (
        <p class="muted" data-testid="report-empty">
          No activity in this period.
        </p>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="report-caption" tabIndex={0}>
          <table class="data-table report-table" data-testid="report-table">
            <caption id="report-caption">Usage by {report.group_by}, with the total in the last row</caption>
            <thead>
              <tr>
                <th scope="col">{groupLabel}</th>
                <th scope="col" class="num">Revenue</th>
                <th scope="col" class="num">Credits sold</th>
                <th scope="col" class="num">Credits spent</th>
                <th scope="col" class="num">Refunded credits</th>
                <th scope="col" class="num">Provider cost (list)</th>
                <th scope="col" class="num">Gross margin (list)</th>
                <th scope="col" class="num">Margin</th>
                <th scope="col" class="num">Provider cost (billed)</th>
                <th scope="col" class="num">Gross margin (billed)</th>
                <th scope="col" class="num">Active users</th>
                <th scope="col" class="num">Generations</th>
                <th scope="col" class="num">Failure rate</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((row) => (
                <ReportRow key={row.group} row={row} />
              ))}
            </tbody>
            <tfoot>
              <ReportRow row={{ ...report.total, group: 'Total', email: null }} total />
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}

function Kpi({ label, value }: { label: string; value: string }) {
  return (
    <div class="kpi">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function ReportRow({ row, total }: { row: UsageRow; total?: boolean }) {
  return (
    <tr data-testid={total ? 'report-total' : 'report-row'} class={total ? 'total-row' : undefined}>
      <th scope="row">{row.email ?? row.group}</th>
      <td class="num" data-label="Revenue">{row.revenue_cents === null ? '—' : formatUsd(row.revenue_cents / 100)}</td>
      <td class="num" data-label="Credits sold">{row.credits_sold === null ? '—' : formatCredits(row.credits_sold)}</td>
      <td class="num" data-label="Credits spent">{formatCredits(row.credits_spent)}</td>
      <td class="num" data-label="Refunded credits">{formatCredits(row.refunds_credits + (row.payment_refunds_credits ?? 0))}</td>
      <td class="num" data-label="Provider cost (list)">{formatUsd(row.provider_cost_usd)}</td>
      <td class="num" data-label="Gross margin (list)">{formatUsd(row.gross_margin_usd)}</td>
      <td class="num" data-label="Margin">{row.margin_pct === null ? '—' : formatPercent(Number(row.margin_pct))}</td>
      <td class="num" data-label="Provider cost (billed)">{formatUsd(row.actual_cost_usd)}</td>
      <td class="num" data-label="Gross margin (billed)">{formatUsd(row.actual_margin_usd)}</td>
      <td class="num" data-label="Active users">{formatNumber(row.active_users)}</td>
      <td class="num" data-label="Generations">
        {formatNumber(row.generations)}
        {row.failed_generations > 0 ? ` (${formatNumber(row.failed_generations)} failed)` : ''}
      </td>
      <td class="num" data-label="Failure rate">{formatRate(row.failure_rate)}</td>
    </tr>
  );
}
