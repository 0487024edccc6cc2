"""Administration: users, credits, prices, settings, presets, templates, packs, community and the audit log."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.errors import InvalidRequest
from ..domain.generation import GenerationFilters
from . import bodies
from .api import api_view, page_params, query_of, require_admin
from .responses import (
    AdminModelPageBody,
    AdminPlansBody,
    AdminUserDetailBody,
    AdminUserPageBody,
    AuditPageBody,
    CommunityReportPageBody,
    admin_model_json,
    admin_plan_json,
    audit_json,
    entry_json,
    generation_json,
    key_json,
    payment_json,
    pricing_json,
    rfc3339,
    settings_json,
    summary_json,
)

bp = Blueprint(__name__)
ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


@bp.route("/v1/admin/users", methods=["GET"])
@api_view
def users() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    q = (query_of(bp.current_request).get("q") or "").strip() or None
    if q and len(q) > 200:
        raise InvalidRequest("The search text is at most 200 characters.", {"field": "q"})
    items, next_cursor = container().admin.users(q, cursor, limit)
    page: AdminUserPageBody = {"items": [summary_json(s) for s in items], "next_cursor": next_cursor}
    return Response(page)


@bp.route("/v1/admin/users/{user_id}", methods=["GET"])
@api_view
def user_detail(user_id: str) -> Response:
    require_admin(bp.current_request)
    services = container()
    summary = services.admin.user(user_id)
    payments = services.credits.payments(summary.user.id, None, 20).items
    generations, _ = services.generations.list(summary.user.id, GenerationFilters(), None, 20)
    detail: AdminUserDetailBody = {**summary_json(summary), "payments": [payment_json(p) for p in payments],
                                   "generations": [generation_json(g) for g in generations],
                                   "api_keys": [key_json(k) for k in services.api_keys.list(summary.user.id)]}
    return Response(detail)


@bp.route("/v1/admin/users/{user_id}", methods=["PATCH"])
@api_view
def update_user(user_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.UserChange, bp.current_request)
    if not body.given():
        raise InvalidRequest("Send suspended and/or role.", {"field": "suspended"})
    summary = container().admin.update_user(principal, user_id, body.suspended, body.role)
    return Response(summary_json(summary))


@bp.route("/v1/admin/users/{user_id}/credits", methods=["POST"])
@api_view
def adjust_credits(user_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.CreditAdjustment, bp.current_request)
    entry = container().admin.adjust_credits(principal, user_id, body.delta, body.reason)
    return Response(entry_json(entry), status_code=201)


@bp.route("/v1/admin/pricing", methods=["GET"])
@api_view
def pricing() -> Response:
    require_admin(bp.current_request)
    return Response(pricing_json(container().admin.pricing(), container().admin.rates()))


@bp.route("/v1/admin/pricing", methods=["PUT"])
@api_view
def set_pricing() -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.PricingChange, bp.current_request)
    rates = [r.given() for r in body.rates] if body.rates is not None else None
    items, rates = container().admin.set_pricing(principal, [r.given() for r in body.items], rates)
    return Response(pricing_json(items, rates))


@bp.route("/v1/admin/settings", methods=["GET"])
@api_view
def settings() -> Response:
    require_admin(bp.current_request)
    return Response(settings_json(container().admin.settings()))


@bp.route("/v1/admin/settings", methods=["PATCH"])
@api_view
def update_settings() -> Response:
    principal = require_admin(bp.current_request)
    changes = bodies.parse(bodies.SettingsChange, bp.current_request).changes()
    if not changes:
        raise InvalidRequest("Send at least one setting.", {"field": "signup_bonus"})
    return Response(settings_json(container().admin.update_settings(principal, changes)))


@bp.route("/v1/admin/models/{model_id}", methods=["PUT"])
@api_view
def set_model(model_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.EnabledChange, bp.current_request)
    container().admin.set_model_enabled(principal, model_id, body.enabled)
    return Response("", status_code=204)


@bp.route("/v1/admin/models", methods=["GET"])
@api_view
def admin_models() -> Response:
    require_admin(bp.current_request)
    page: AdminModelPageBody = {"items": [admin_model_json(m) for m in container().admin.models()],
                                "next_cursor": None}
    return Response(page)


@bp.route("/v1/admin/models/{model_id}", methods=["PATCH"])
@api_view
def update_model(model_id: str) -> Response:
    principal = require_admin(bp.current_request)
    changes = bodies.parse(bodies.ModelChange, bp.current_request).changes()
    return Response(admin_model_json(container().admin.update_model(principal, model_id, changes)))


def _upsert(kind: str, item_id: str, shape: type[bodies.Body]) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(shape, bp.current_request).given()
    if not ITEM_ID.fullmatch(item_id):
        # ASCII only: str.isalnum() would also take "¼" and other characters nobody types in a URL.
        raise InvalidRequest("The id is 1 to 40 letters, digits, - or _.", {"field": "id"})
    container().admin.upsert(principal, kind, item_id, body)
    return Response("", status_code=204)


@bp.route("/v1/admin/style-presets/{preset_id}", methods=["PUT"])
@api_view
def upsert_preset(preset_id: str) -> Response:
    return _upsert("style_preset", preset_id, bodies.PresetUpsert)


@bp.route("/v1/admin/prompt-templates/{template_id}", methods=["PUT"])
@api_view
def upsert_template(template_id: str) -> Response:
    return _upsert("prompt_template", template_id, bodies.TemplateUpsert)


@bp.route("/v1/admin/credit-packs/{pack_id}", methods=["PUT"])
@api_view
def upsert_pack(pack_id: str) -> Response:
    return _upsert("credit_pack", pack_id, bodies.PackUpsert)


@bp.route("/v1/admin/plans", methods=["GET"])
@api_view
def plans() -> Response:
    require_admin(bp.current_request)
    body: AdminPlansBody = {"items": [admin_plan_json(plan) for plan in container().admin.plans()]}
    return Response(body)


@bp.route("/v1/admin/plans/{plan_id}", methods=["PUT"])
@api_view
def upsert_plan(plan_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.PlanUpsert, bp.current_request).given()
    return Response(admin_plan_json(container().admin.upsert_plan(principal, plan_id, body)))


@bp.route("/v1/admin/community/{image_id}/hidden", methods=["PUT", "DELETE"])
@api_view
def hide_from_community(image_id: str) -> Response:
    principal = require_admin(bp.current_request)
    container().admin.hide_from_community(principal, image_id, bp.current_request.method == "PUT")
    return Response("", status_code=204)


@bp.route("/v1/admin/community/reports", methods=["GET"])
@api_view
def community_reports() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().library.open_reports(cursor, limit)
    page: CommunityReportPageBody = {"items": [
        {"id": str(r.id), "slug": r.slug, "image_id": r.image_id, "prompt": r.prompt, "reason": r.reason,
         "note": r.note, "created_at": rfc3339(r.created_at), "open_reports": r.open_reports,
         "thumbnail_url": f"/v1/public/images/{r.slug}/thumbnail"} for r in items], "next_cursor": next_cursor}
    return Response(page)


@bp.route("/v1/admin/community/{slug}/featured", methods=["PUT", "DELETE"])
@api_view
def feature(slug: str) -> Response:
    principal = require_admin(bp.current_request)
    container().library.feature(principal.user, slug, bp.current_request.method == "PUT")
    return Response("", status_code=204)


@bp.route("/v1/admin/community/{slug}/hide", methods=["POST"])
@api_view
def take_down(slug: str) -> Response:
    principal = require_admin(bp.current_request)
    container().library.take_down(principal.user, slug)
    return Response("", status_code=204)


@bp.route("/v1/admin/audit-log", methods=["GET"])
@api_view
def audit_log() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().admin.audit_log(cursor, limit)
    page: AuditPageBody = {"items": [audit_json(e) for e in items], "next_cursor": next_cursor}
    return Response(page)
