"""The signed-in user's own account."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from .api import api_view, authenticate, client_ip, fields, json_body, user_json

bp = Blueprint(__name__)


@bp.route("/v1/me", methods=["GET"])
@api_view
def get_me() -> Response:
    principal = authenticate(bp.current_request, allow_suspended=True)
    return Response(user_json(container().accounts.get_user(principal.user.id)))


@bp.route("/v1/me", methods=["PATCH"])
@api_view
def update_me() -> Response:
    principal = authenticate(bp.current_request)
    body = fields(json_body(bp.current_request), {}, {"display_name": str})
    return Response(user_json(container().accounts.update_profile(principal, body.get("display_name"))))


@bp.route("/v1/me/password", methods=["POST"])
@api_view
def change_password() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = fields(json_body(bp.current_request), {"current_password": str, "new_password": str})
    container().accounts.change_password(
        principal, body["current_password"], body["new_password"], client_ip(bp.current_request)
    )
    return Response(body="", status_code=204)


@bp.route("/v1/me", methods=["DELETE"])
@api_view
def delete_me() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = fields(json_body(bp.current_request), {"password": str})
    container().accounts.delete_account(principal, body["password"], client_ip(bp.current_request))
    return Response(body="", status_code=204)
