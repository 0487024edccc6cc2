"""Usage and margin reports, the scheduled report files and the operational metrics."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .credits import CENTS_PER_CREDIT
from .errors import InvalidRequest
from .ports import EmailSender, QueueStats, ReportQueries, ReportStore

GROUPINGS = ("day", "model", "user", "api_key")
GENERATION_SIDE = ("model", "api_key")  # groupings where money-side figures (revenue, sales) do not apply
PERIODS = ("daily", "weekly")
MAX_DAYS = 366
STUCK_AFTER = timedelta(minutes=15)
TOTAL = "total"


@dataclass(frozen=True)
class LedgerSums:
    """Ledger deltas by kind, as stored (debits negative), for one group; key None for the whole period."""

    key: str | None
    purchase: int = 0
    generation: int = 0
    generation_refund: int = 0
    payment_refund: int = 0
    dispute: int = 0


@dataclass(frozen=True)
class RevenueSums:
    """Revenue of one group in USD cents, net of refunds; key None for the whole period."""

    key: str | None
    revenue_cents: int = 0


@dataclass(frozen=True)
class GenerationSums:
    """Generation counts, provider cost (list estimate and billed) in USD and distinct users of one group."""

    key: str | None
    generations: int = 0
    failed: int = 0
    finished: int = 0
    provider_cost_usd: Decimal = Decimal(0)
    active_users: int = 0
    actual_cost_usd: Decimal = Decimal(0)


@dataclass(frozen=True)
class ReportRow:
    """One group of a usage report; money-side figures are None where the grouping cannot attribute them."""

    group: str
    email: str | None
    revenue_cents: int | None
    credits_sold: int | None
    credits_spent: int
    refunds_credits: int
    payment_refunds_credits: int | None
    provider_cost_usd: Decimal
    gross_margin_usd: Decimal
    margin_pct: Decimal | None
    actual_cost_usd: Decimal
    actual_margin_usd: Decimal
    active_users: int
    generations: int
    failed_generations: int
    failure_rate: Decimal | None

    def to_json(self) -> dict[str, Any]:
        """The row as JSON-ready values (Decimals as floats)."""
        return {f.name: _json_number(getattr(self, f.name)) for f in fields(self)}


COLUMNS = tuple(f.name for f in fields(ReportRow))


@dataclass(frozen=True)
class Report:
    """A usage report over [start, end) in UTC, by group and in total."""

    start: date
    end: date
    group_by: str
    generated_at: datetime
    rows: list[ReportRow]
    total: ReportRow

    def to_json(self) -> dict[str, Any]:
        """The report as the API returns it, dates in ISO 8601 and generated_at in RFC 3339."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "group_by": self.group_by,
            "generated_at": _rfc3339(self.generated_at),
            "rows": [row.to_json() for row in self.rows],
            "total": self.total.to_json(),
        }

    def to_csv(self) -> str:
        """One line per group, then the total; email only when grouped by user; empty cells for None."""
        columns = [c for c in COLUMNS if c != "email" or self.group_by == "user"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in [*self.rows, self.total]:
            values = row.to_json()
            writer.writerow([_csv_cell(values[c]) for c in columns])
        return out.getvalue()




def parse_day(value: str | None, field_name: str) -> date:
    """A YYYY-MM-DD query value, or InvalidRequest naming the field."""
    if not value:
        raise InvalidRequest(f"{field_name} is required, as YYYY-MM-DD.", {"field": field_name})
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{field_name} must be a date as YYYY-MM-DD.", {"field": field_name}) from None


def check_range(start: date, end: date, group_by: str) -> None:
    """Raises InvalidRequest naming group_by when it is not a grouping, or to when the period is empty or longer than
    MAX_DAYS; end is exclusive."""
    if group_by not in GROUPINGS:
        raise InvalidRequest("group_by is one of day, model, user, api_key.",
                             {"field": "group_by", "allowed": list(GROUPINGS)})
    if start >= end:
        raise InvalidRequest("to must be after from (to is exclusive).", {"field": "to"})
    if (end - start).days > MAX_DAYS:
        raise InvalidRequest(f"A report covers at most {MAX_DAYS} days.", {"field": "to", "max_days": MAX_DAYS})


def scheduled_period(period: str, now: datetime) -> tuple[date, date, str]:
    """The previous full UTC day, or the previous ISO week (Monday to Monday), with its file label."""
    today = now.astimezone(UTC).date()
    if period == "daily":
        start = today - timedelta(days=1)
        return start, today, start.isoformat()
    if period == "weekly":
        monday = today - timedelta(days=today.weekday())
        start = monday - timedelta(days=7)
        year, week, _ = start.isocalendar()
        return start, monday, f"{year}-W{week:02d}"
    raise InvalidRequest("period is daily or weekly.", {"field": "period", "allowed": list(PERIODS)})


def build_row(group: str, ledger: LedgerSums | None, revenue: RevenueSums | None,
              generations: GenerationSums | None, money_side: bool, email: str | None = None) -> ReportRow:
    """Turns the raw sums of one group into the figures of the report."""
    ledger = ledger or LedgerSums(group)
    revenue = revenue or RevenueSums(group)
    generations = generations or GenerationSums(group)
    spent = -ledger.generation - ledger.generation_refund
    cost = Decimal(generations.provider_cost_usd)
    spent_usd = Decimal(spent * CENTS_PER_CREDIT) / 100
    margin = spent_usd - cost
    return ReportRow(
        group=group,
        email=email,
        revenue_cents=revenue.revenue_cents if money_side else None,
        credits_sold=ledger.purchase if money_side else None,
        credits_spent=spent,
        refunds_credits=ledger.generation_refund,
        payment_refunds_credits=-(ledger.payment_refund + ledger.dispute) if money_side else None,
        provider_cost_usd=cost,
        gross_margin_usd=margin,
        margin_pct=_round(margin * 100 / spent_usd, "0.01") if spent_usd > 0 else None,
        actual_cost_usd=Decimal(generations.actual_cost_usd),
        actual_margin_usd=spent_usd - Decimal(generations.actual_cost_usd),
        active_users=generations.active_users,
        generations=generations.generations,
        failed_generations=generations.failed,
        failure_rate=_round(Decimal(generations.failed) / generations.finished, "0.0001")
        if generations.finished else None,
    )


class ReportService:
    """Reads usage for admins, writes the scheduled report files and gathers the operational metrics."""

    def __init__(self, queries: Callable[[], AbstractContextManager[ReportQueries]], queue_stats: QueueStats,
                 clock: Any, store: ReportStore, mailer: EmailSender,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None) -> None:
        self._queries = queries
        self._queue_stats = queue_stats
        self._clock = clock
        self._store = store
        self._mailer = mailer
        self._log = log

    def usage(self, start: date, end: date, group_by: str = "day") -> Report:
        """Figures per group over [start, end) in UTC, and a total row that always covers every ledger row."""
        check_range(start, end, group_by)
        with self._queries() as queries:
            return self._usage(queries, start, end, group_by)

    def _usage(self, queries: ReportQueries, start: date, end: date, group_by: str) -> Report:
        since, until = _midnight(start), _midnight(end)
        ledger = {s.key: s for s in queries.ledger_sums(since, until, group_by)}
        revenue = {s.key: s for s in queries.revenue(since, until, group_by)} if group_by not in GENERATION_SIDE else {}
        made = {s.key: s for s in queries.generation_sums(since, until, group_by)}
        [ledger_total] = queries.ledger_sums(since, until, None) or [LedgerSums(None)]
        [revenue_total] = queries.revenue(since, until, None) or [RevenueSums(None)]
        [made_total] = queries.generation_sums(since, until, None) or [GenerationSums(None)]
        if group_by == "day":
            keys = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days)]
        else:
            keys = sorted({k for k in (*ledger, *revenue, *made) if k is not None})
        emails = queries.emails(keys) if group_by == "user" else {}
        rows = [build_row(k, ledger.get(k), revenue.get(k), made.get(k), money_side=group_by not in GENERATION_SIDE,
                          email=emails.get(k)) for k in keys]
        if group_by != "day":
            rows.sort(key=lambda r: (-r.credits_spent, -r.generations, r.group))
        total = build_row(TOTAL, ledger_total, revenue_total, made_total, money_side=True)
        return Report(start, end, group_by, self._clock.now(), rows, total)

    def run_scheduled(self, period: str, now: datetime) -> dict[str, Any]:
        """Writes the report of the previous day or ISO week to S3 (same keys on a re-run) and emails the admins."""
        start, end, label = scheduled_period(period, now)
        with self._queries() as queries:
            by_day = self._usage(queries, start, end, "day")
            by_model = self._usage(queries, start, end, "model")
            admins = queries.admin_emails()
        prefix = f"reports/{period}/{label}"
        document = {"period": period, "label": label, "from": start.isoformat(), "to": end.isoformat(),
                    "generated_at": _rfc3339(by_day.generated_at), "total": by_day.total.to_json(),
                    "by_day": by_day.to_json()["rows"], "by_model": by_model.to_json()["rows"]}
        keys = [f"{prefix}.json", f"{prefix}.csv"]
        self._store.put(keys[0], json.dumps(document, indent=2).encode(), "application/json")
        self._store.put(keys[1], by_day.to_csv().encode(), "text/csv; charset=utf-8")
        subject = f"Pixmint {period} report {label}"
        text = summary_text(period, label, start, end, by_day.total, by_model.rows, keys)
        emailed = 0
        for email in admins:
            try:
                self._mailer.send(email, subject, text)
                emailed += 1
            except Exception as exc:  # noqa: BLE001 - one bad address must not keep the report from the others
                self._log("report email failed", {"period": period, "label": label, "error_type": type(exc).__name__})
        self._log("scheduled report written", {"period": period, "label": label, "keys": keys, "emailed": emailed})
        return {"period": period, "label": label, "from": start.isoformat(), "to": end.isoformat(), "keys": keys,
                "emailed": emailed, "total": by_day.total.to_json()}

    def metrics(self, now: datetime) -> dict[str, Any]:
        """Generations by status, failure rate, provider latency, stuck generations and queue depths."""
        hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
        with self._queries() as queries:
            last_hour = queries.status_counts(hour_ago)
            last_day = queries.status_counts(day_ago)
            succeeded, failed = queries.finished_counts(day_ago)
            p50, p95 = queries.latency_percentiles(day_ago)
            stuck_queued, stuck_running = queries.stuck_counts(now - STUCK_AFTER, now - STUCK_AFTER)
        statuses = ("queued", "running", "succeeded", "failed")
        return {
            "generated_at": _rfc3339(now),
            "generations": {
                "last_hour": {s: int(last_hour.get(s, 0)) for s in statuses},
                "last_day": {s: int(last_day.get(s, 0)) for s in statuses},
            },
            "failure_rate": _json_number(_round(Decimal(failed) / (succeeded + failed), "0.0001"))
            if succeeded + failed else None,
            "provider_latency_ms": {"p50": _ms(p50), "p95": _ms(p95)},
            "stuck": {"queued": stuck_queued, "running": stuck_running, "total": stuck_queued + stuck_running},
            "queue": self._queue(),
        }

    def _queue(self) -> dict[str, int | None]:
        # The database figures still matter when SQS cannot be asked, so a failure there only blanks these.
        try:
            depth = self._queue_stats.depth()
        except Exception as exc:  # noqa: BLE001
            self._log("queue depth unavailable", {"error_type": type(exc).__name__})
            depth = {}
        try:
            dead = self._queue_stats.dead_letters()
        except Exception as exc:  # noqa: BLE001
            self._log("dead-letter depth unavailable", {"error_type": type(exc).__name__})
            dead = None
        return {"visible": depth.get("visible"), "in_flight": depth.get("in_flight"),
                "delayed": depth.get("delayed"), "dead_letters": dead}


def summary_text(period: str, label: str, start: date, end: date, total: ReportRow, models: list[ReportRow],
                 keys: list[str]) -> str:
    """The plain-text email of a scheduled report: totals, then one line per model, then the files written; the end date
    is exclusive."""
    last_day = end - timedelta(days=1)
    span = start.isoformat() if start == last_day else f"{start.isoformat()} to {last_day.isoformat()}"
    lines = [
        f"Pixmint {period} report for {span} (UTC).",
        "",
        f"Revenue:            ${Decimal(total.revenue_cents or 0) / 100:,.2f}",
        f"Credits sold:       {total.credits_sold or 0:,}",
        f"Credits spent:      {total.credits_spent:,} (after {total.refunds_credits:,} refunded)",
        f"Payment refunds:    {total.payment_refunds_credits or 0:,} credits taken back",
        f"Provider cost:      ${total.provider_cost_usd:,.2f} list estimate, ${total.actual_cost_usd:,.2f} billed",
        f"Gross margin:       ${total.gross_margin_usd:,.2f}"
        + (f" ({total.margin_pct}%)" if total.margin_pct is not None else ""),
        f"Generations:        {total.generations:,} ({total.failed_generations:,} failed"
        + (f", {total.failure_rate * 100:.1f}% of finished)" if total.failure_rate is not None else ")"),
        f"Active users:       {total.active_users:,}",
    ]
    if models:
        lines += ["", "By model:"]
        lines += [f"  {m.group}: {m.generations:,} generations, {m.credits_spent:,} credits, "
                  f"${m.provider_cost_usd:,.2f} provider cost" for m in models]
    lines += ["", "Files: " + ", ".join(keys), ""]
    return "\n".join(lines)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _ms(value: float | None) -> int | None:
    return None if value is None else round(value)


def _json_number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    # Spreadsheet formula injection: a leading =, +, - or @ in text would run as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
