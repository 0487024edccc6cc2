"""The public status page (issue 22): the health of the API, generation and payments from the metrics the app
already gathers, 90 days of daily uptime, and the incidents admins post, written as one static file that the page
reads, so it keeps working while the API is down."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import InvalidRequest, NotFound
from .model import Principal
from .support import clean_text

COMPONENTS = {"api": "API and website", "generation": "Image generation", "payments": "Payments"}
HEALTH = ("operational", "maintenance", "degraded", "outage")  # from best to worst
IMPACTS = {"minor": "degraded", "major": "outage", "maintenance": "maintenance"}
INCIDENT_STATES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_IDS = tuple(COMPONENTS)
IMPACT_NAMES = tuple(IMPACTS)
HISTORY_DAYS = 90
RESOLVED_SHOWN_FOR = timedelta(days=14)
MAX_TITLE = 200
MAX_UPDATE = 5_000
# A checkout left open this long was never expired by Stripe's webhook (sessions expire after 24 hours).
STALE_CHECKOUT = timedelta(hours=25)


@dataclass(frozen=True)
class IncidentUpdate:
    """One message of an incident's timeline."""

    id: int
    status: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class Incident:
    """Something an admin tells the status page's readers about, with its timeline."""

    id: str
    title: str
    impact: str
    components: tuple[str, ...]
    status: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    updates: tuple[IncidentUpdate, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DaySample:
    """How one component's checks went on one day."""

    day: date
    component: str
    checks: int
    degraded: int
    outages: int


@dataclass(frozen=True)
class PaymentHealth:
    """What the payments table says about the payment path: checkouts Stripe never closed, and yesterday's
    outcomes."""

    stale_open: int
    paid: int
    failed: int


@dataclass(frozen=True)
class Health:
    """One component's state now and why."""

    status: str
    detail: str


def worse(a: str, b: str) -> str:
    """The worse of two health states."""
    return a if HEALTH.index(a) >= HEALTH.index(b) else b


def api_health(up: bool) -> Health:
    """The API answered its health check through the public address, or it did not."""
    return Health("operational", "Answering normally.") if up else \
        Health("outage", "The API did not answer its health check.")


def generation_health(snapshot: Mapping[str, Any]) -> Health:
    """From the operational metrics: the last hour's failure share, stuck generations and dead letters."""
    hour = snapshot.get("generations", {}).get("last_hour", {})
    finished = int(hour.get("succeeded", 0)) + int(hour.get("failed", 0))
    share = int(hour.get("failed", 0)) / finished if finished else 0.0
    stuck = int(snapshot.get("stuck", {}).get("total", 0) or 0)
    dead = int(snapshot.get("queue", {}).get("dead_letters") or 0)
    if finished >= 3 and share >= 0.5:
        return Health("outage", "Most images are failing; every failed image is refunded.")
    if (finished >= 3 and share >= 0.1) or stuck or dead:
        return Health("degraded", "Some images are slow or failing; every failed image is refunded.")
    return Health("operational", "Images are being made normally.")


def payments_health(payments: PaymentHealth) -> Health:
    """Checkouts Stripe never closed mean its webhooks are not arriving; mostly failed payments mean trouble too."""
    finished = payments.paid + payments.failed
    if payments.stale_open or (finished >= 3 and payments.failed / finished >= 0.5):
        return Health("degraded", "Some payments are slow to be confirmed; no payment is lost.")
    return Health("operational", "Payments are confirmed normally.")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class StatusService:
    """Checks, records and publishes the status page's file, and keeps the incidents admins post."""

    def __init__(self, uow: Callable[[], Any], clock: Any, publisher: Any, metrics: Callable[[datetime], Any],
                 probe: Callable[[], bool] | None = None,
                 log: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._publisher = publisher  # a StatusFile, or None where no file is kept
        self._metrics = metrics
        self._probe = probe or (lambda: True)
        self._log = log or (lambda message, extra: None)

    def publish(self, snapshot: Mapping[str, Any] | None = None, record: bool = False,
                api_up: bool | None = None) -> dict[str, Any]:
        """Works out each component's health (with the open incidents), records it as one check of today when
        record (the schedule does; an admin's change does not), and writes the page's file; returns the
        document."""
        now = self._clock.now()
        snapshot = snapshot if snapshot is not None else self._metrics(now)
        up = self._probe() if api_up is None else api_up
        with self._uow() as uow:
            payments = uow.status.payment_health(now - STALE_CHECKOUT, now - timedelta(days=1))
            incidents = uow.status.incidents_since(now - RESOLVED_SHOWN_FOR)
            checked = {"api": api_health(up), "generation": generation_health(snapshot),
                       "payments": payments_health(payments)}
            health = self._with_incidents(checked, incidents)
            if record:
                for component, state in health.items():
                    uow.status.record(now.date(), component, state.status)
            samples = uow.status.samples(now.date() - timedelta(days=HISTORY_DAYS - 1))
            uow.commit()
        document = self._document(now, health, samples, incidents)
        self._write(document)
        return document

    def publish_unreachable(self, reason: str) -> dict[str, Any] | None:
        """When the database cannot be reached: the last file, with every component marked down, so the page says
        so even though nothing can be recorded."""
        previous = self._publisher.read() if self._publisher is not None else None
        if previous is None:
            return None
        detail = "Pixmint cannot reach its database; we are on it."
        document = {**previous, "generated_at": _rfc3339(self._clock.now()), "overall": "outage",
                    "components": [{**c, "status": "outage", "detail": detail} for c in previous.get("components", [])]}
        self._log("status page marked down", {"reason": reason})
        self._write(document)
        return document

    def current(self) -> dict[str, Any] | None:
        """The file as last published, None before the first."""
        return self._publisher.read() if self._publisher is not None else None

    # --- incidents ---

    def incidents(self, cursor: int | None, limit: int) -> list[Incident]:
        """Every incident, newest first."""
        with self._uow() as uow:
            return uow.status.incidents(limit, offset=cursor or 0)

    def open_incident(self, actor: Principal, title: str, components: list[str], impact: str,
                      message: str) -> Incident:
        """Posts an incident with its first update and publishes the page at once; audited."""
        title = clean_text(title, "title", MAX_TITLE)
        message = clean_text(message, "message", MAX_UPDATE, multiline=True)
        wanted = tuple(dict.fromkeys(components))
        if not wanted or set(wanted) - set(COMPONENTS):
            raise InvalidRequest(f"components are some of {', '.join(COMPONENTS)}.", {"field": "components"})
        if impact not in IMPACTS:
            raise InvalidRequest(f"impact is one of {', '.join(IMPACTS)}.", {"field": "impact"})
        now = self._clock.now()
        with self._uow() as uow:
            incident = uow.status.add_incident(title, impact, wanted, "investigating", now)
            uow.status.add_update(incident.id, "investigating", message, now)
            uow.admin.audit(actor.user, "status.incident", "status_incident", incident.id, None,
                            {"title": title, "impact": impact, "components": list(wanted)}, now)
            incident = uow.status.incident(incident.id)
            uow.commit()
        self._republish()
        return incident

    def update_incident(self, actor: Principal, incident_id: str, status: str, message: str) -> Incident:
        """Adds an update to an incident's timeline (resolved ends it) and publishes the page at once; audited."""
        message = clean_text(message, "message", MAX_UPDATE, multiline=True)
        if status not in INCIDENT_STATES:
            raise InvalidRequest(f"status is one of {', '.join(INCIDENT_STATES)}.", {"field": "status"})
        try:
            uuid.UUID(incident_id)
        except ValueError:
            raise NotFound("No such incident.") from None
        now = self._clock.now()
        with self._uow() as uow:
            before = uow.status.incident(incident_id)
            if before is None:
                raise NotFound("No such incident.")
            uow.status.add_update(incident_id, status, message, now)
            uow.status.set_incident_status(incident_id, status, now)
            uow.admin.audit(actor.user, "status.incident_update", "status_incident", incident_id,
                            {"status": before.status}, {"status": status}, now)
            incident = uow.status.incident(incident_id)
            uow.commit()
        self._republish()
        return incident

    # --- helpers ---

    def _republish(self) -> None:
        # Asked from an API request, so the API is up; a failure to write the file must not undo the admin's post.
        try:
            self.publish(api_up=True)
        except Exception as exc:  # noqa: BLE001 - the schedule publishes again within five minutes
            self._log("status page not republished", {"error_type": type(exc).__name__})

    def _write(self, document: dict[str, Any]) -> None:
        if self._publisher is not None:
            self._publisher.write(document)

    @staticmethod
    def _with_incidents(checked: dict[str, Health], incidents: list[Incident]) -> dict[str, Health]:
        health = dict(checked)
        for incident in incidents:
            if incident.status == "resolved":
                continue
            for component in incident.components:
                state = IMPACTS[incident.impact]
                if worse(state, health[component].status) == state and state != health[component].status:
                    health[component] = Health(state, incident.title)
        return health

    def _document(self, now: datetime, health: dict[str, Health], samples: list[DaySample],
                  incidents: list[Incident]) -> dict[str, Any]:
        first = now.date() - timedelta(days=HISTORY_DAYS - 1)
        by_key = {(s.component, s.day): s for s in samples}
        components = []
        for component, name in COMPONENTS.items():
            days: list[dict[str, Any]] = []
            checks = outages = 0
            for offset in range(HISTORY_DAYS):
                day = first + timedelta(days=offset)
                sample = by_key.get((component, day))
                if sample is None or not sample.checks:
                    days.append({"date": day.isoformat(), "uptime": None, "status": "no_data"})
                    continue
                checks, outages = checks + sample.checks, outages + sample.outages
                state = "outage" if sample.outages else "degraded" if sample.degraded else "operational"
                days.append({"date": day.isoformat(), "status": state,
                             "uptime": round(100 * (sample.checks - sample.outages) / sample.checks, 2)})
            components.append({"id": component, "name": name, "status": health[component].status,
                               "detail": health[component].detail,
                               "uptime_90d": round(100 * (checks - outages) / checks, 3) if checks else None,
                               "days": days})
        overall = "operational"
        for component_health in health.values():
            overall = worse(overall, component_health.status)
        return {"generated_at": _rfc3339(now), "overall": overall, "components": components,
                "incidents": [incident_json(i) for i in incidents]}


def incident_json(incident: Incident) -> dict[str, Any]:
    """An incident as the status file and the admin API show it."""
    return {"id": incident.id, "title": incident.title, "impact": incident.impact,
            "components": list(incident.components), "status": incident.status,
            "created_at": _rfc3339(incident.created_at), "updated_at": _rfc3339(incident.updated_at),
            "resolved_at": _rfc3339(incident.resolved_at) if incident.resolved_at else None,
            "updates": [{"id": str(u.id), "status": u.status, "message": u.message,
                         "created_at": _rfc3339(u.created_at)} for u in incident.updates]}
