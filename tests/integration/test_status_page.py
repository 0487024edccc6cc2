"""The status page's file (issue 22): written by the metrics schedule from the figures it already gathers, with 90
days of uptime and the incidents admins post, so the static page needs no API."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest

HEALTHY = {"generations": {"last_hour": {"succeeded": 10, "failed": 0}}, "stuck": {"total": 0},
           "queue": {"dead_letters": 0}}
FAILING = {"generations": {"last_hour": {"succeeded": 1, "failed": 5}}, "stuck": {"total": 0},
           "queue": {"dead_letters": 0}}


@pytest.fixture
def settings_overrides():
    # Nothing listens on the discard port: the health probe of the "public" API fails at once.
    return {"PIXMINT_PUBLIC_URL": "http://127.0.0.1:9"}


def status_file(settings) -> dict:
    return json.loads((settings.data_dir / "status" / "status.json").read_text())


def component(document: dict, component_id: str) -> dict:
    return next(c for c in document["components"] if c["id"] == component_id)


def test_the_schedule_writes_the_file_from_the_metrics_it_publishes(chalice_client, settings, clock):
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
    chalice_client.lambda_.invoke("publish_operational_metrics", event)
    document = status_file(settings)
    assert [c["id"] for c in document["components"]] == ["api", "generation", "payments"]
    assert component(document, "api")["status"] == "outage", "the probe of the public URL found nothing"
    assert component(document, "generation")["status"] == "operational"
    assert document["overall"] == "outage"
    days = component(document, "payments")["days"]
    assert len(days) == 90 and days[-1]["date"] == clock.now().date().isoformat()
    assert days[-1] == {"date": days[-1]["date"], "status": "operational", "uptime": 100.0}
    assert all(d["uptime"] is None and d["status"] == "no_data" for d in days[:-1])


def test_daily_uptime_counts_each_scheduled_check(container, settings, clock):
    status = container.status
    status.publish(HEALTHY, record=True, api_up=True)
    status.publish(HEALTHY, record=True, api_up=True)
    status.publish(FAILING, record=True, api_up=True)
    status.publish(HEALTHY, record=True, api_up=True)
    today = component(status_file(settings), "generation")["days"][-1]
    assert today == {"date": clock.now().date().isoformat(), "status": "outage", "uptime": 75.0}
    clock.advance(days=1)
    document = status.publish(HEALTHY, record=True, api_up=True)
    generation = component(document, "generation")
    assert generation["status"] == "operational" and generation["days"][-1]["uptime"] == 100.0
    assert generation["days"][-2]["uptime"] == 75.0 and generation["uptime_90d"] == 80.0
    assert component(document, "api")["uptime_90d"] == 100.0
    status.publish(FAILING, api_up=True)  # an admin's republish is not a check
    assert component(status_file(settings), "generation")["days"][-1]["uptime"] == 100.0


def test_checkouts_that_stripe_never_closed_degrade_payments(api, container, db, clock):
    token = api.register()["access_token"]
    assert api.post("/v1/credits/checkout", {"amount_cents": 500}, token=token).status == 201
    assert component(container.status.publish(HEALTHY, api_up=True), "payments")["status"] == "operational"
    with psycopg.connect(db) as conn:
        conn.execute("UPDATE payments SET created_at = %s", (clock.now() - timedelta(hours=26),))
    payments = component(container.status.publish(HEALTHY, api_up=True), "payments")
    assert payments["status"] == "degraded" and "no payment is lost" in payments["detail"]


def test_an_incident_shows_at_once_and_its_resolution_too(api, admin, settings):
    token = admin["access_token"]
    opened = api.post("/v1/admin/status/incidents", {
        "title": "Slow images", "components": ["generation"], "impact": "minor",
        "message": "Images take longer than usual.\nWe are looking."}, token=token)
    assert opened.status == 201 and opened.json["status"] == "investigating"
    document = status_file(settings)
    assert component(document, "generation") | {"days": None} == {
        "id": "generation", "name": "Image generation", "status": "degraded", "detail": "Slow images",
        "uptime_90d": None, "days": None}
    assert component(document, "api")["status"] == "operational", "an admin's request shows the API is up"
    [incident] = document["incidents"]
    assert incident["updates"][0]["message"] == "Images take longer than usual.\nWe are looking."

    resolved = api.post(f"/v1/admin/status/incidents/{opened.json['id']}/updates",
                        {"status": "resolved", "message": "Back to normal."}, token=token)
    assert resolved.status == 201 and resolved.json["resolved_at"] is not None
    document = status_file(settings)
    assert component(document, "generation")["status"] == "operational" and document["overall"] == "operational"
    assert [u["status"] for u in document["incidents"][0]["updates"]] == ["investigating", "resolved"]
    listed = api.get("/v1/admin/status/incidents", token=token).json
    assert [i["id"] for i in listed["items"]] == [opened.json["id"]] and listed["next_cursor"] is None


def test_a_major_incident_or_maintenance_sets_its_components(api, admin, container):
    token = admin["access_token"]
    api.post("/v1/admin/status/incidents", {"title": "Stripe is down", "components": ["payments"], "impact": "major",
                                            "message": "Checkout fails."}, token=token)
    api.post("/v1/admin/status/incidents", {"title": "Database upgrade", "components": ["api", "payments"],
                                            "impact": "maintenance", "message": "Ten minutes."}, token=token)
    document = container.status.publish(HEALTHY, api_up=True)
    assert {c["id"]: c["status"] for c in document["components"]} == {
        "api": "maintenance", "generation": "operational", "payments": "outage"}
    assert document["overall"] == "outage"


def test_incidents_are_for_admins_and_refuse_what_the_page_cannot_show(api, admin):
    user = api.register()["access_token"]
    body = {"title": "x", "components": ["api"], "impact": "minor", "message": "y"}
    assert api.post("/v1/admin/status/incidents", body, token=user).status == 403
    for wrong in ({"components": ["database"]}, {"components": []}, {"impact": "total"}, {"title": " "}):
        reply = api.post("/v1/admin/status/incidents", {**body, **wrong}, token=admin["access_token"])
        assert reply.status == 400, wrong
    missing = api.post("/v1/admin/status/incidents/9b1c5b0e-8a0e-4f55-9a44-1f1c7d0c2a10/updates",
                       {"status": "resolved", "message": "ok"}, token=admin["access_token"])
    assert missing.status == 404


def test_a_database_outage_marks_the_last_file_down(container, settings):
    container.status.publish(HEALTHY, record=True, api_up=True)
    document = container.status.publish_unreachable("OperationalError")
    assert document is not None and document["overall"] == "outage"
    assert {c["status"] for c in status_file(settings)["components"]} == {"outage"}
    assert len(component(status_file(settings), "api")["days"]) == 90, "the history stays"


def test_admins_can_publish_now(api, admin, settings):
    reply = api.post("/v1/admin/status/publish", token=admin["access_token"])
    assert reply.status == 200 and reply.json == status_file(settings)
