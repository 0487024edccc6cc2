"""Usage reports, scheduled report files and metrics on data made through the real API and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import boto3
import psycopg
import pytest

from chalicelib.adapters.aws_storage import S3ImageStore
from chalicelib.adapters.local_checkout import completed_event
from chalicelib.adapters.postgres_reports import SqsQueueStats, reports_session
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.imaging import ProviderError
from chalicelib.domain.reports import ReportService
from tests.conftest import Api
from tests.fakes import RecordingEmailSender
from tests.integration.test_generation import generate, run_worker

pytestmark = pytest.mark.usefixtures("ledger_invariant")

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/pixmint-jobs"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/pixmint-jobs-dlq"
PASSWORD = "correct horse battery"
DAY_1 = date(2026, 11, 24)  # tests.fakes.START, a Tuesday at noon UTC
MONEY_KINDS = ("purchase", "generation", "generation_refund", "payment_refund", "dispute")
ADDITIVE = ("credits_spent", "refunds_credits", "provider_cost_usd", "gross_margin_usd", "actual_cost_usd",
            "actual_margin_usd", "generations", "failed_generations")
MONEY_ADDITIVE = ("revenue_cents", "credits_sold", "payment_refunds_credits")


@pytest.fixture
def providers(scripted_providers):
    """openai_fake (tests/integration/conftest.py) beside the placeholder."""
    return scripted_providers


@pytest.fixture
def outbox():
    return RecordingEmailSender()


@pytest.fixture
def reports(container, outbox, monkeypatch):
    """The service as the lead will wire it, put on the container so the handlers reach it too."""
    boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="pixmint-jobs-dlq")
    service = ReportService(
        queries=lambda: reports_session(container.pool),
        queue_stats=SqsQueueStats(lambda: boto3.client("sqs", region_name="us-east-1"), QUEUE_URL, DLQ_URL),
        clock=container.clock,
        store=S3ImageStore(lambda: boto3.client("s3", region_name="us-east-1"), "pixmint-images"),
        mailer=outbox,
    )
    monkeypatch.setattr(container, "reports", service, raising=False)
    return service


_test_app = None


def reports_app():
    """app.py once the blueprint is registered there; until then a bare app with the same middleware."""
    global _test_app
    from app import app

    if "/v1/admin/metrics" in app.routes:
        return app
    if _test_app is None:
        from chalice import Chalice

        from chalicelib.handlers import admin_reports, api

        _test_app = Chalice(app_name="pixmint-reports-test")
        _test_app.register_middleware(api.http_middleware, "http")
        _test_app.register_blueprint(admin_reports.bp)
    return _test_app


@pytest.fixture
def reports_client(reports, chalice_client):
    from chalice.test import Client

    from app import app as main_app
    from tests.conftest import PROJECT_DIR

    app = reports_app()
    if app is main_app:
        yield chalice_client
        return
    with Client(app, stage_name="test", project_dir=str(PROJECT_DIR)) as client:
        yield client


@pytest.fixture
def admin_api(reports_client) -> Api:
    return Api(reports_client)


def login(api, email: str) -> str:
    reply = api.post("/v1/auth/login", {"email": email, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return reply.json["access_token"]


def buy(container, user_id: str, pack_id: str, key: str) -> str:
    """A paid checkout through the local gateway and a checkout.session.completed event; returns its intent."""
    with container.pool.connection() as conn:
        pack = conn.execute("SELECT amount_cents FROM credit_packs WHERE id = %s", (pack_id,)).fetchone()
    user = container.accounts.get_user(user_id)
    checkout_id = container.credits.start_checkout(user, pack_id, None, key).id
    event = completed_event(checkout_id, pack["amount_cents"], "usd", user_id)
    assert container.credits.handle_stripe_event(event) == "credited"
    return event["data"]["object"]["payment_intent"]


def refund(container, intent: str, amount: int, refunded: int) -> None:
    container.credits.handle_stripe_event({
        "id": f"evt_refund_{intent}_{refunded}", "type": "charge.refunded",
        "data": {"object": {"payment_intent": intent, "amount": amount, "amount_refunded": refunded}}})


def dispute(container, intent: str) -> None:
    container.credits.handle_stripe_event({
        "id": f"evt_dispute_{intent}", "type": "charge.dispute.created",
        "data": {"object": {"payment_intent": intent}}})


def make_images(api, chalice_client, token: str, **body) -> dict:
    generation = generate(api, token, **body)
    run_worker(chalice_client, generation["id"])
    return generation


def ledger_sums(db: str, start: date, end: date) -> dict[str, int]:
    with psycopg.connect(db) as conn:
        rows = conn.execute(
            """SELECT kind, sum(delta)::bigint FROM ledger
               WHERE created_at >= %s::date::timestamp AT TIME ZONE 'UTC'
                 AND created_at < %s::date::timestamp AT TIME ZONE 'UTC' GROUP BY kind""",
            (start, end)).fetchall()
    return {kind: 0 for kind in MONEY_KINDS} | dict(rows)


def provider_cost(db: str) -> float:
    with psycopg.connect(db) as conn:
        return float(conn.execute("SELECT coalesce(sum(provider_cost_usd), 0) FROM generations").fetchone()[0])


@pytest.fixture
def seeded(api, chalice_client, container, openai_fake, reports):
    """Two days of activity: purchases, a refund, a dispute, succeeded, partial and failed generations."""
    ada = api.register("ada@example.com", PASSWORD)
    bob = api.register("bob@example.com", PASSWORD)
    ada_id, bob_id = ada["user"]["id"], bob["user"]["id"]
    intent = buy(container, ada_id, "starter", "ada-1")
    refund(container, intent, 500, 100)
    make_images(api, chalice_client, ada["access_token"], model="gpt-image-1.5", quality="low", n=2)
    openai_fake.steps = [1]
    make_images(api, chalice_client, ada["access_token"], model="gpt-image-1.5", quality="medium", n=2)
    openai_fake.steps = [ProviderError("down", retryable=False)]
    make_images(api, chalice_client, bob["access_token"], model="gpt-image-1.5", quality="low")
    make_images(api, chalice_client, bob["access_token"], model="placeholder", n=3)

    container.clock.advance(days=1)
    intent = buy(container, bob_id, "standard", "bob-1")
    make_images(api, chalice_client, login(api, "bob@example.com"), model="gpt-image-1.5", quality="high")
    dispute(container, intent)
    make_images(api, chalice_client, login(api, "ada@example.com"), model="placeholder")
    return {"ada": ada_id, "bob": bob_id}


@pytest.mark.parametrize("group_by", ["day", "model", "user"])
def test_report_totals_equal_the_ledger_sums_for_every_grouping(reports, seeded, db, group_by):
    start, end = DAY_1, DAY_1 + timedelta(days=2)
    report = reports.usage(start, end, group_by)
    sums = ledger_sums(db, start, end)
    total = report.total
    assert total.credits_sold == sums["purchase"] == 500 + 1000
    assert total.credits_spent == -sums["generation"] - sums["generation_refund"]
    assert total.refunds_credits == sums["generation_refund"]
    assert total.payment_refunds_credits == -sums["payment_refund"] - sums["dispute"] == 100 + 1000
    assert total.revenue_cents == 500 - 100  # the disputed payment is not revenue
    assert float(total.provider_cost_usd) == pytest.approx(provider_cost(db))
    assert total.generations == 6 and total.failed_generations == 1 and total.active_users == 2
    for name in ADDITIVE + (MONEY_ADDITIVE if group_by != "model" else ()):
        assert sum(getattr(r, name) for r in report.rows) == getattr(total, name), name
    assert report.total == reports.usage(start, end, "day").total


def test_the_money_side_of_model_rows_is_null_and_spend_is_split_by_model(reports, seeded):
    rows = {r.group: r for r in reports.usage(DAY_1, DAY_1 + timedelta(days=2), "model").rows}
    assert set(rows) == {"gpt-image-1.5", "placeholder"}
    gpt = rows["gpt-image-1.5"]
    assert gpt.revenue_cents is None and gpt.credits_sold is None and gpt.payment_refunds_credits is None
    # 2 low (2 each) + 1 of 2 medium (6 each, one refunded) + a failed low (refunded) + 1 high (20)
    assert gpt.credits_spent == 4 + 6 + 0 + 20 and gpt.refunds_credits == 6 + 2
    assert float(gpt.provider_cost_usd) == pytest.approx(2 * 0.009 + 0.034 + 0.133)
    assert float(gpt.gross_margin_usd) == pytest.approx(0.30 - (2 * 0.009 + 0.034 + 0.133))
    # Three calls answered (two of 2 images, one of 1), each reporting 100 text tokens and n x 1,048,576 / 1,000
    # output tokens, billed at GPT Image 1.5's $5 and $32 per million; the failed call reported nothing.
    billed = (3 * 100 * 5 + (2097 + 2097 + 1048) * 32) / 1e6
    assert float(gpt.actual_cost_usd) == pytest.approx(billed, abs=1e-6)
    assert float(gpt.actual_margin_usd) == pytest.approx(0.30 - billed, abs=1e-6)
    assert rows["placeholder"].credits_spent == 4 and rows["placeholder"].provider_cost_usd == 0


def test_day_grouping_splits_activity_across_utc_days(reports, seeded):
    report = reports.usage(DAY_1, DAY_1 + timedelta(days=3), "day")
    first, second, third = report.rows
    assert (first.group, second.group, third.group) == ("2026-11-24", "2026-11-25", "2026-11-26")
    assert first.credits_sold == 500 and second.credits_sold == 1000 and third.credits_sold == 0
    assert first.generations == 4 and second.generations == 2 and third.generations == 0
    assert first.credits_spent == 4 + 6 + 0 + 3 and second.credits_spent == 20 + 1
    assert first.revenue_cents == 400 and second.revenue_cents == 0
    assert first.payment_refunds_credits == 100 and second.payment_refunds_credits == 1000
    assert first.active_users == 2 and second.active_users == 2
    only_second = reports.usage(DAY_1 + timedelta(days=1), DAY_1 + timedelta(days=2), "day")
    assert [r.group for r in only_second.rows] == ["2026-11-25"] and only_second.total.credits_sold == 1000


def test_user_grouping_names_each_user_and_the_failure_rate_counts_failed_generations(reports, seeded):
    report = reports.usage(DAY_1, DAY_1 + timedelta(days=2), "user")
    rows = {r.email: r for r in report.rows}
    assert set(rows) == {"ada@example.com", "bob@example.com"}
    bob = rows["bob@example.com"]
    assert bob.generations == 3 and bob.failed_generations == 1
    assert float(bob.failure_rate) == pytest.approx(1 / 3, abs=1e-4)
    assert bob.credits_sold == 1000 and bob.payment_refunds_credits == 1000 and bob.revenue_cents == 0
    assert rows["ada@example.com"].failure_rate == 0 and rows["ada@example.com"].revenue_cents == 400
    assert float(report.total.failure_rate) == pytest.approx(1 / 6, abs=1e-4)


@pytest.mark.parametrize("start, end, group_by, field", [
    (DAY_1, DAY_1, "day", "to"),
    (DAY_1, DAY_1 - timedelta(days=1), "day", "to"),
    (DAY_1, DAY_1 + timedelta(days=367), "day", "to"),
    (DAY_1, DAY_1 + timedelta(days=1), "hour", "group_by"),
])
def test_bad_ranges_are_invalid_requests(reports, start, end, group_by, field):
    with pytest.raises(InvalidRequest) as refused:
        reports.usage(start, end, group_by)
    assert refused.value.details["field"] == field


def report_objects() -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket="pixmint-images", Prefix="reports/").get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket="pixmint-images", Key=o["Key"])["Body"].read() for o in listed}


def test_the_daily_report_is_written_to_s3_once_per_day_and_mailed_to_admins_only(
        reports, seeded, container, outbox, api, db):
    container.accounts.ensure_admin("root@pixmint.example", PASSWORD)
    container.accounts.ensure_admin("ops@pixmint.example", PASSWORD)
    container.clock.advance(days=1)  # now 2026-11-26 12:00: the previous full day is the 25th
    result = reports.run_scheduled("daily", container.clock.now())
    assert result["keys"] == ["reports/daily/2026-11-25.json", "reports/daily/2026-11-25.csv"]
    objects = report_objects()
    assert set(objects) == set(result["keys"])
    document = json.loads(objects["reports/daily/2026-11-25.json"])
    assert document["from"] == "2026-11-25" and document["to"] == "2026-11-26"
    sums = ledger_sums(db, date(2026, 11, 25), date(2026, 11, 26))
    assert document["total"]["credits_sold"] == 1000 == sums["purchase"]
    assert document["total"]["credits_spent"] == -sums["generation"] - sums["generation_refund"] == 21
    assert {r["group"] for r in document["by_model"]} == {"gpt-image-1.5", "placeholder"}
    lines = list(csv.reader(io.StringIO(objects["reports/daily/2026-11-25.csv"].decode())))
    assert [line[0] for line in lines] == ["group", "2026-11-25", "total"]

    assert sorted(to for to, _, _ in outbox.sent) == ["ops@pixmint.example", "root@pixmint.example"]
    subject, text = outbox.sent[0][1], outbox.sent[0][2]
    assert subject == "Pixmint daily report 2026-11-25" and "Credits sold:       1,000" in text

    outbox.sent.clear()
    again = reports.run_scheduled("daily", container.clock.now())
    assert again["keys"] == result["keys"] and set(report_objects()) == set(result["keys"])


def test_the_weekly_report_covers_the_previous_iso_week(reports, seeded, container):
    container.clock.advance(days=5)  # Monday 2026-11-30: the previous week is 2026-W48, the 23rd to the 30th
    result = reports.run_scheduled("weekly", container.clock.now())
    assert result["keys"] == ["reports/weekly/2026-W48.json", "reports/weekly/2026-W48.csv"]
    document = json.loads(report_objects()["reports/weekly/2026-W48.json"])
    assert len(document["by_day"]) == 7 and document["total"]["credits_sold"] == 1500
    assert result["emailed"] == 0  # no admins yet


def test_the_schedules_run_through_their_lambdas(reports, seeded, reports_client, container, outbox):
    container.accounts.ensure_admin("root@pixmint.example", PASSWORD)
    event = reports_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    daily = reports_client.lambda_.invoke("daily_usage_report", event).payload
    assert daily["keys"] == ["reports/daily/2026-11-24.json", "reports/daily/2026-11-24.csv"]
    weekly = reports_client.lambda_.invoke("weekly_usage_report", event).payload
    assert weekly["label"] == "2026-W47" and weekly["total"]["generations"] == 0
    snapshot = reports_client.lambda_.invoke("publish_operational_metrics", event).payload
    assert snapshot["generations"]["last_day"]["succeeded"] == 5
    assert [to for to, _, _ in outbox.sent] == ["root@pixmint.example"] * 2


def test_metrics_count_statuses_stuck_generations_and_read_queue_depths(
        reports, api, chalice_client, container, openai_fake, db):
    token = api.register("ada@example.com", PASSWORD)["access_token"]
    make_images(api, chalice_client, token, model="placeholder")
    openai_fake.steps = [ProviderError("down", retryable=False)]
    make_images(api, chalice_client, token, model="gpt-image-1.5", quality="low")
    generate(api, token, model="placeholder")
    running = generate(api, token, model="placeholder")
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE generations SET status = 'running', started_at = %s WHERE id = %s",
                     (container.clock.now(), running["id"]))
    boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=DLQ_URL, MessageBody="{}")

    fresh = reports.metrics(container.clock.now())
    assert fresh["generations"]["last_hour"] == {"queued": 1, "running": 1, "succeeded": 1, "failed": 1}
    assert fresh["stuck"] == {"queued": 0, "running": 0, "total": 0}
    assert fresh["failure_rate"] == 0.5
    assert fresh["queue"] == {"visible": 4, "in_flight": 0, "delayed": 0, "dead_letters": 1}
    assert fresh["provider_latency_ms"]["p50"] is not None

    container.clock.advance(minutes=20)
    later = reports.metrics(container.clock.now())
    assert later["stuck"] == {"queued": 1, "running": 1, "total": 2}
    assert later["generations"]["last_hour"] == fresh["generations"]["last_hour"]
    container.clock.advance(hours=1)
    assert sum(reports.metrics(container.clock.now())["generations"]["last_hour"].values()) == 0


def test_admin_routes_answer_admins_with_json_and_csv(reports, seeded, container, api, admin_api):
    container.accounts.ensure_admin("root@pixmint.example", PASSWORD)
    token = login(api, "root@pixmint.example")
    reply = admin_api.get("/v1/admin/reports/usage?from=2026-11-24&to=2026-11-26&group_by=user", token=token)
    assert reply.status == 200, reply.body
    assert reply.json["group_by"] == "user" and reply.json["total"]["credits_sold"] == 1500
    assert {r["email"] for r in reply.json["rows"]} == {"ada@example.com", "bob@example.com"}
    default = admin_api.get("/v1/admin/reports/usage?from=2026-11-24&to=2026-11-26", token=token).json
    assert default["group_by"] == "day" and len(default["rows"]) == 2
    exported = admin_api.get("/v1/admin/reports/usage?from=2026-11-24&to=2026-11-26&group_by=model&format=csv",
                             token=token)
    assert exported.status == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="pixmint-usage-2026-11-24-2026-11-26-model.csv"' in exported.headers["content-disposition"]
    assert exported.body.decode().splitlines()[-1].startswith("total,")
    metrics = admin_api.get("/v1/admin/metrics", token=token)
    assert metrics.status == 200 and metrics.json["queue"]["visible"] == 6


@pytest.mark.parametrize("query, field", [
    ("to=2026-11-26", "from"), ("from=2026-11-24", "to"), ("from=24/11/2026&to=2026-11-26", "from"),
    ("from=2026-11-26&to=2026-11-24", "to"), ("from=2025-01-01&to=2026-11-24", "to"),
    ("from=2026-11-24&to=2026-11-26&group_by=week", "group_by"),
    ("from=2026-11-24&to=2026-11-26&format=xlsx", "format"),
])
def test_bad_report_queries_are_400_naming_the_field(reports, container, api, admin_api, query, field):
    container.accounts.ensure_admin("root@pixmint.example", PASSWORD)
    reply = admin_api.get(f"/v1/admin/reports/usage?{query}", token=login(api, "root@pixmint.example"))
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field


def test_admin_routes_refuse_users_anonymous_callers_and_api_keys(reports, container, api, admin_api,
                                                                  chalice_client):
    token = api.register("ada@example.com", PASSWORD)["access_token"]
    for path in ("/v1/admin/reports/usage?from=2026-11-24&to=2026-11-25", "/v1/admin/metrics"):
        assert admin_api.get(path).status == 401
        refused = admin_api.get(path, token=token)
        assert refused.status == 403 and refused.json["error"]["details"] == {"reason": "not_admin"}
    from app import app

    if "/v1/api-keys" not in app.routes:
        pytest.skip("API keys are not part of this build")
    container.accounts.ensure_admin("root@pixmint.example", PASSWORD)
    admin_token = login(api, "root@pixmint.example")
    created = api.post("/v1/api-keys", {"name": "ops script"}, token=admin_token)
    assert created.status == 201, created.body
    for path in ("/v1/admin/reports/usage?from=2026-11-24&to=2026-11-25", "/v1/admin/metrics"):
        refused = admin_api.get(path, headers={"X-API-Key": created.json["key"]})
        assert refused.status == 403 and refused.json["error"]["details"] == {"reason": "api_key"}


def test_the_metrics_schedule_publishes_powertools_metrics(reports, seeded, reports_client, monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=DLQ_URL, MessageBody="{}")
    event = reports_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    capsys.readouterr()
    reports_client.lambda_.invoke("publish_operational_metrics", event)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [emitted] = [{k: v[0] if isinstance(v, list) and k != "_aws" else v for k, v in line.items()}
                 for line in lines if "QueueDepth" in line]
    assert emitted["QueueDepth"] == 6 and emitted["DeadLetters"] == 1 and emitted["StuckGenerations"] == 0
    assert emitted["FailureRate"] == pytest.approx(100 / 6, abs=0.01) and emitted["ProviderLatencyP95"] > 0
    names = {m["Name"] for m in emitted["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"QueueDepth", "DeadLetters", "StuckGenerations", "FailureRate", "ProviderLatencyP95"}
