"""The beta program (issue 22): the waitlist, invite codes, and the feedback widget."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from . import bodies
from .api import (
    api_view,
    client_ip,
    optional_principal,
    page_params,
    parse_moment,
    query_of,
    require_admin,
)
from .responses import ACCEPTED, feedback_json, invite_code_json, waitlist_json

bp = Blueprint(__name__)


@bp.route("/v1/waitlist", methods=["POST"])
@api_view
def join_waitlist() -> Response:
    body = bodies.parse(bodies.WaitlistRequest, bp.current_request)
    container().beta.join_waitlist(body.email, client_ip(bp.current_request))
    return Response(ACCEPTED, status_code=202)


@bp.route("/v1/feedback", methods=["POST"])
@api_view
def give_feedback() -> Response:
    principal = optional_principal(bp.current_request)
    body = bodies.parse(bodies.FeedbackRequest, bp.current_request)
    container().beta.give_feedback(principal.user if principal else None, body.page, body.message, body.rating,
                                   client_ip(bp.current_request))
    return Response(ACCEPTED, status_code=202)


@bp.route("/v1/admin/waitlist", methods=["GET"])
@api_view
def waitlist() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    state = query_of(bp.current_request).get("status") or "pending"
    items, next_cursor = container().beta.waitlist(state, cursor, limit)
    return Response({"items": [waitlist_json(e) for e in items], "next_cursor": next_cursor})


@bp.route("/v1/admin/waitlist/approve", methods=["POST"])
@api_view
def approve() -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.WaitlistApproval, bp.current_request)
    approved = container().beta.approve(principal, list(body.ids) if body.ids is not None else None, body.count)
    return Response({"items": [waitlist_json(e) for e in approved], "next_cursor": None})


@bp.route("/v1/admin/invite-codes", methods=["GET"])
@api_view
def invite_codes() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().beta.codes(cursor, limit)
    return Response({"items": [invite_code_json(c) for c in items], "next_cursor": next_cursor})


@bp.route("/v1/admin/invite-codes", methods=["POST"])
@api_view
def create_invite_code() -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.InviteCodeRequest, bp.current_request)
    code = container().beta.create_code(principal, body.uses, parse_moment(body.expires_at, "expires_at"), body.note)
    return Response(invite_code_json(code), status_code=201)


@bp.route("/v1/admin/invite-codes/{code_id}", methods=["DELETE"])
@api_view
def revoke_invite_code(code_id: str) -> Response:
    principal = require_admin(bp.current_request)
    container().beta.revoke_code(principal, code_id)
    return Response(body="", status_code=204)


@bp.route("/v1/admin/feedback", methods=["GET"])
@api_view
def feedback() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    page = query_of(bp.current_request).get("page") or None
    items, next_cursor = container().beta.feedback(page, cursor, limit)
    return Response({"items": [feedback_json(f) for f in items], "next_cursor": next_cursor})
