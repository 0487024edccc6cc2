"""Usage reports on canned sums: margin arithmetic, periods, ranges, CSV and metrics."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.reports import (
    GenerationSums,
    LedgerSums,
    ReportService,
    RevenueSums,
    build_row,
    parse_day,
    scheduled_period,
)
from tests.fakes import FakeClock, RecordingEmailSender


class FakeReportQueries:
    """Canned sums per grouping; None is the whole period."""

    def __init__(self) -> None:
        self.ledger: dict[str | None, list[LedgerSums]] = {None: []}
        self.revenue_rows: dict[str | None, list[RevenueSums]] = {None: []}
        self.made: dict[str | None, list[GenerationSums]] = {None: []}
        self.users = {"u1": "ada@example.com", "u2": "=cmd@example.com"}
        self.admins = ["root@example.com"]
        self.periods: list[tuple[datetime, datetime]] = []

    def ledger_sums(self, start, end, group_by):
        self.periods.append((start, end))
        return self.ledger.get(group_by, [])

    def revenue(self, start, end, group_by):
        return self.revenue_rows.get(group_by, [])

    def generation_sums(self, start, end, group_by):
        return self.made.get(group_by, [])

    def emails(self, user_ids):
        return {u: self.users[u] for u in user_ids if u in self.users}

    def admin_emails(self):
        return self.admins

    def status_counts(self, since):
        return {"queued": 2, "failed": 1}

    def finished_counts(self, since):
        return 3, 1

    def latency_percentiles(self, since):
        return 1200.4, 4999.6

    def stuck_counts(self, queued_before, running_before):
        return 1, 2


class FakeQueueStats:
    def __init__(self, dead: int | None = 4, broken: bool = False) -> None:
        self.dead, self.broken = dead, broken

    def depth(self):
        if self.broken:
            raise ConnectionError("sqs down")
        return {"visible": 7, "in_flight": 1, "delayed": 0}

    def dead_letters(self):
        return self.dead


class InMemoryReportStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put(self, key, data, content_type):
        self.objects[key] = (data, content_type)


@pytest.fixture
def queries():
    return FakeReportQueries()


@pytest.fixture
def objects():
    return InMemoryReportStore()


@pytest.fixture
def sent():
    return RecordingEmailSender()


def make_service(queries, objects, sent, queue=None):
    return ReportService(queries=lambda: contextlib.nullcontext(queries), queue_stats=queue or FakeQueueStats(),
                         clock=FakeClock(), store=objects, mailer=sent)


def test_margin_is_net_credits_spent_in_dollars_minus_provider_cost():
    row = build_row("x", LedgerSums("x", purchase=1000, generation=-250, generation_refund=50, payment_refund=-100,
                                    dispute=-20),
                    RevenueSums("x", 900), GenerationSums("x", 10, 2, 8, Decimal("0.5"), 3), money_side=True)
    assert row.credits_spent == 200 and row.refunds_credits == 50 and row.payment_refunds_credits == 120
    assert row.credits_sold == 1000 and row.revenue_cents == 900
    assert row.gross_margin_usd == Decimal("1.5") and row.margin_pct == Decimal("75.00")
    assert row.failure_rate == Decimal("0.25") and row.generations == 10 and row.active_users == 3


def test_nothing_spent_has_no_margin_percentage_and_no_failure_rate():
    row = build_row("x", None, None, GenerationSums("x", 2, 0, 0, Decimal("0.08"), 1), money_side=True)
    assert row.credits_spent == 0 and row.gross_margin_usd == Decimal("-0.08")
    assert row.margin_pct is None and row.failure_rate is None


def test_model_rows_have_no_money_side_figures():
    row = build_row("dall-e-3", LedgerSums("dall-e-3", generation=-12), None, None, money_side=False)
    assert row.revenue_cents is None and row.credits_sold is None and row.payment_refunds_credits is None
    assert row.credits_spent == 12


@pytest.mark.parametrize("start, end, group_by, field", [
    (date(2026, 1, 2), date(2026, 1, 2), "day", "to"),
    (date(2026, 1, 3), date(2026, 1, 2), "day", "to"),
    (date(2025, 1, 1), date(2026, 1, 3), "day", "to"),
    (date(2026, 1, 1), date(2026, 1, 2), "week", "group_by"),
])
def test_bad_ranges_and_groupings_are_invalid_requests(queries, objects, sent, start, end, group_by, field):
    with pytest.raises(InvalidRequest) as refused:
        make_service(queries, objects, sent).usage(start, end, group_by)
    assert refused.value.details["field"] == field
    assert queries.periods == []


def test_a_leap_year_of_366_days_is_allowed(queries, objects, sent):
    report = make_service(queries, objects, sent).usage(date(2024, 1, 1), date(2025, 1, 1), "day")
    assert len(report.rows) == 366


@pytest.mark.parametrize("value", [None, "", "2026-13-01", "2026-1-1", "yesterday", "2026-01-01T00:00:00"])
def test_days_must_be_written_yyyy_mm_dd(value):
    with pytest.raises(InvalidRequest) as refused:
        parse_day(value, "from")
    assert refused.value.details["field"] == "from"


def test_day_reports_list_every_day_of_the_range_in_utc_and_end_is_exclusive(queries, objects, sent):
    queries.ledger = {"day": [LedgerSums("2026-03-02", purchase=500)], None: [LedgerSums(None, purchase=500)]}
    report = make_service(queries, objects, sent).usage(date(2026, 3, 1), date(2026, 3, 4), "day")
    assert [r.group for r in report.rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert [r.credits_sold for r in report.rows] == [0, 500, 0] and report.total.credits_sold == 500
    assert queries.periods[0] == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))


def test_user_reports_carry_emails_and_order_by_spend(queries, objects, sent):
    queries.ledger = {"user": [LedgerSums("u1", generation=-5), LedgerSums("u2", generation=-9),
                               LedgerSums("deleted", purchase=100)]}
    report = make_service(queries, objects, sent).usage(date(2026, 3, 1), date(2026, 3, 2), "user")
    assert [(r.group, r.email) for r in report.rows] == [("u2", "=cmd@example.com"), ("u1", "ada@example.com"),
                                                        ("deleted", None)]


def test_csv_has_a_header_a_line_per_group_and_the_total_with_email_only_by_user(queries, objects, sent):
    queries.ledger = {"user": [LedgerSums("u2", generation=-9)], None: [LedgerSums(None, generation=-9)]}
    queries.made = {"user": [GenerationSums("u2", 3, 1, 3, Decimal("0.04"), 1)],
                    None: [GenerationSums(None, 3, 1, 3, Decimal("0.04"), 1)]}
    service = make_service(queries, objects, sent)
    lines = list(csv.reader(io.StringIO(service.usage(date(2026, 3, 1), date(2026, 3, 2), "user").to_csv())))
    assert lines[0][:3] == ["group", "email", "revenue_cents"] and len(lines) == 3
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["email"] == "'=cmd@example.com"  # formula injection defused
    assert row["credits_spent"] == "9" and row["provider_cost_usd"] == "0.04" and row["failure_rate"] == "0.3333"
    assert lines[2][0] == "total"
    by_day = list(csv.reader(io.StringIO(service.usage(date(2026, 3, 1), date(2026, 3, 2), "day").to_csv())))
    assert "email" not in by_day[0]
    by_model = list(csv.reader(io.StringIO(service.usage(date(2026, 3, 1), date(2026, 3, 2), "model").to_csv())))
    assert by_model[0] == by_day[0]


def test_json_numbers_are_plain_numbers_or_null(queries, objects, sent):
    queries.made = {None: [GenerationSums(None, 1, 0, 1, Decimal("0.0420"), 1)]}
    document = make_service(queries, objects, sent).usage(date(2026, 3, 1), date(2026, 3, 2), "model").to_json()
    json.dumps(document)
    assert document["total"]["provider_cost_usd"] == 0.042 and document["total"]["margin_pct"] is None
    assert document["from"] == "2026-03-01" and document["to"] == "2026-03-02" and document["rows"] == []


@pytest.mark.parametrize("now, period, expected", [
    (datetime(2026, 11, 24, 1, 0, tzinfo=UTC), "daily",
     (date(2026, 11, 23), date(2026, 11, 24), "2026-11-23")),
    (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "daily", (date(2025, 12, 31), date(2026, 1, 1), "2025-12-31")),
    (datetime(2026, 11, 23, 1, 30, tzinfo=UTC), "weekly",
     (date(2026, 11, 16), date(2026, 11, 23), "2026-W47")),
    (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), "weekly",
     (date(2026, 11, 16), date(2026, 11, 23), "2026-W47")),
    # The ISO year of the week's Monday, not the calendar year: 2020-12-28 is in 2020-W53.
    (datetime(2021, 1, 4, 2, 0, tzinfo=UTC), "weekly", (date(2020, 12, 28), date(2021, 1, 4), "2020-W53")),
])
def test_scheduled_periods_are_the_previous_utc_day_or_iso_week(now, period, expected):
    assert scheduled_period(period, now) == expected


def test_scheduled_report_writes_json_and_csv_and_mails_each_admin(queries, objects, sent):
    queries.admins = ["root@example.com", "ops@example.com"]
    queries.revenue_rows = {None: [RevenueSums(None, 1999)]}
    result = make_service(queries, objects, sent).run_scheduled("daily", datetime(2026, 11, 24, 1, tzinfo=UTC))
    assert result["keys"] == ["reports/daily/2026-11-23.json", "reports/daily/2026-11-23.csv"]
    assert objects.objects["reports/daily/2026-11-23.json"][1] == "application/json"
    assert objects.objects["reports/daily/2026-11-23.csv"][1].startswith("text/csv")
    document = json.loads(objects.objects["reports/daily/2026-11-23.json"][0])
    assert document["total"]["revenue_cents"] == 1999 and len(document["by_day"]) == 1
    assert [to for to, _, _ in sent.sent] == ["root@example.com", "ops@example.com"] and result["emailed"] == 2
    assert "Revenue:            $19.99" in sent.sent[0][2]


def test_metrics_combine_database_figures_with_queue_depths(queries, objects, sent):
    snapshot = make_service(queries, objects, sent).metrics(datetime(2026, 11, 24, tzinfo=UTC))
    assert snapshot["generations"]["last_hour"] == {"queued": 2, "running": 0, "succeeded": 0, "failed": 1}
    assert snapshot["failure_rate"] == 0.25
    assert snapshot["provider_latency_ms"] == {"p50": 1200, "p95": 5000}
    assert snapshot["stuck"] == {"queued": 1, "running": 2, "total": 3}
    assert snapshot["queue"] == {"visible": 7, "in_flight": 1, "delayed": 0, "dead_letters": 4}


def test_metrics_survive_an_unreachable_queue(queries, objects, sent):
    service = make_service(queries, objects, sent, FakeQueueStats(dead=None, broken=True))
    snapshot = service.metrics(datetime(2026, 11, 24, tzinfo=UTC))
    assert snapshot["queue"] == {"visible": None, "in_flight": None, "delayed": None, "dead_letters": None}
    assert snapshot["stuck"]["total"] == 3


def _strictly(model, data):
    from pydantic import TypeAdapter

    return TypeAdapter(model).validate_python(data, strict=True)


@pytest.mark.parametrize("group_by", ["day", "model", "user", "api_key"])
def test_every_report_is_exactly_the_documented_usage_report(queries, objects, sent, group_by):
    from chalicelib.handlers.responses import UsageReportBody

    queries.ledger = {group_by: [LedgerSums("k", purchase=500, generation=-7)], None: [LedgerSums(None, purchase=500)]}
    report = make_service(queries, objects, sent).usage(date(2026, 3, 1), date(2026, 3, 3), group_by)
    _strictly(UsageReportBody, report.to_json())


def test_the_metrics_snapshot_is_exactly_the_documented_metrics_with_or_without_the_queue(queries, objects, sent):
    from pydantic import ValidationError

    from chalicelib.handlers.responses import MetricsBody

    at = datetime(2026, 11, 24, tzinfo=UTC)
    snapshot = make_service(queries, objects, sent).metrics(at)
    _strictly(MetricsBody, snapshot)
    _strictly(MetricsBody, make_service(queries, objects, sent, FakeQueueStats(dead=None, broken=True)).metrics(at))
    with pytest.raises(ValidationError):  # a figure the document does not name is caught
        _strictly(MetricsBody, {**snapshot, "queue": {**snapshot["queue"], "oldest_age_s": 3}})
