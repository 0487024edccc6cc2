"""Admin usage reports and metrics, the scheduled report files and the operational metrics schedule."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron, Rate, Response

from ..bootstrap import container
from ..domain.errors import InvalidRequest
from ..domain.model import Principal
from ..domain.reports import parse_day
from ..observability import logger, metrics, metrics_enabled
from .api import api_view, query_of, require_admin

bp = Blueprint(__name__)
FORMATS = ("json", "csv")


def admin_principal() -> Principal:
    # API keys act for scripts, never for administration, even when an admin made the key.
    return require_admin(bp.current_request)


@bp.route("/v1/admin/reports/usage", methods=["GET"])
@api_view
def usage_report() -> Response:
    admin_principal()
    query = query_of(bp.current_request)
    start, end = parse_day(query.get("from"), "from"), parse_day(query.get("to"), "to")
    group_by = query.get("group_by") or "day"
    output = query.get("format") or "json"
    if output not in FORMATS:
        raise InvalidRequest("format is json or csv.", {"field": "format", "allowed": list(FORMATS)})
    report = container().reports.usage(start, end, group_by)
    if output == "csv":
        filename = f"pixmint-usage-{start.isoformat()}-{end.isoformat()}-{group_by}.csv"
        return Response(report.to_csv(), headers={"Content-Type": "text/csv; charset=utf-8",
                                                  "Content-Disposition": f'attachment; filename="{filename}"'})
    return Response(report.to_json())


@bp.route("/v1/admin/metrics", methods=["GET"])
@api_view
def admin_metrics() -> Response:
    admin_principal()
    return Response(container().reports.metrics(container().clock.now()))


@bp.schedule(Cron(0, 1, "*", "*", "?", "*"))
def daily_usage_report(event: Any) -> dict[str, Any]:
    return _scheduled_report("daily")


@bp.schedule(Cron(30, 1, "?", "*", "MON", "*"))
def weekly_usage_report(event: Any) -> dict[str, Any]:
    return _scheduled_report("weekly")


def _scheduled_report(period: str) -> dict[str, Any]:
    result = container().reports.run_scheduled(period, container().clock.now())
    logger.info("usage report written", extra={"period": period, "label": result["label"], "keys": result["keys"],
                                                "emailed": result["emailed"]})
    return result


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def publish_operational_metrics(event: Any) -> dict[str, Any]:
    try:
        snapshot = container().reports.metrics(container().clock.now())
    except Exception as exc:
        # The database is out of reach: the status page says so from its last file (issue 22), then this fails.
        container().status.publish_unreachable(type(exc).__name__)
        raise
    try:
        container().status.publish(snapshot, record=True)  # the status page's file, from these same figures
    except Exception:  # noqa: BLE001 - the CloudWatch figures below must still go out
        logger.exception("status page not published")
    if metrics_enabled():
        from aws_lambda_powertools.metrics import MetricUnit

        queue = snapshot["queue"]
        failure_rate = snapshot["failure_rate"]
        p95 = snapshot["provider_latency_ms"]["p95"]
        figures = [("QueueDepth", MetricUnit.Count, queue["visible"]),
                   ("DeadLetters", MetricUnit.Count, queue["dead_letters"]),
                   ("StuckGenerations", MetricUnit.Count, snapshot["stuck"]["total"]),
                   ("FailureRate", MetricUnit.Percent, None if failure_rate is None else failure_rate * 100),
                   ("ProviderLatencyP95", MetricUnit.Milliseconds, p95)]
        # A figure that could not be read is left out rather than published as zero.
        for name, unit, value in figures:
            if value is not None:
                metrics.add_metric(name=name, unit=unit, value=value)
        metrics.flush_metrics()
    logger.info("operational metrics", extra={"stuck": snapshot["stuck"], "queue": snapshot["queue"],
                                              "failure_rate": snapshot["failure_rate"]})
    return snapshot
