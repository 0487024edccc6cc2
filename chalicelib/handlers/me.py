"""The signed-in user's own account: profile, password, deletion, two-factor sign-in and sessions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.model import User
from . import bodies
from .api import api_view, authenticate, client_ip
from .responses import ACCEPTED, RecoveryCodesBody, SignInSessionPageBody, TwoFactorSetupBody, rfc3339, user_json

bp = Blueprint(__name__)


@bp.route("/v1/me", methods=["GET"])
@api_view
def get_me() -> Response:
    principal = authenticate(bp.current_request, allow_suspended=True)
    return Response(_me(container().accounts.get_user(principal.user.id)))


def _me(user: User) -> dict[str, Any]:
    return {**user_json(user), "public_handle": container().accounts.public_handle(user.id)}


@bp.route("/v1/me", methods=["PATCH"])
@api_view
def update_me() -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.ProfileChange, bp.current_request)
    user = container().accounts.update_profile(principal, body.display_name, body.public_handle)
    return Response(_me(user))


@bp.route("/v1/me/password", methods=["POST"])
@api_view
def change_password() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.PasswordChange, bp.current_request)
    container().accounts.change_password(principal, body.current_password, body.new_password,
                                         client_ip(bp.current_request))
    return Response(body="", status_code=204)


@bp.route("/v1/me/email", methods=["POST"])
@api_view
def change_email() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.EmailChange, bp.current_request)
    container().accounts.request_email_change(principal, body.new_email, body.password,
                                              client_ip(bp.current_request))
    return Response(ACCEPTED, status_code=202)


@bp.route("/v1/me/email/confirm", methods=["POST"])
@api_view
def confirm_email() -> Response:
    body = bodies.parse(bodies.TokenRequest, bp.current_request)
    return Response(user_json(container().accounts.confirm_email_change(body.token)))


@bp.route("/v1/me", methods=["DELETE"])
@api_view
def delete_me() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.PasswordConfirmation, bp.current_request)
    container().accounts.delete_account(principal, body.password, client_ip(bp.current_request))
    return Response(body="", status_code=204)


@bp.route("/v1/me/2fa", methods=["POST"])
@api_view
def start_two_factor() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    setup = container().accounts.start_two_factor(principal)
    body: TwoFactorSetupBody = {"secret": setup.secret, "otpauth_url": setup.otpauth_url}
    return Response(body)


@bp.route("/v1/me/2fa/confirm", methods=["POST"])
@api_view
def confirm_two_factor() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.CodeRequest, bp.current_request)
    codes = container().accounts.confirm_two_factor(principal, body.code, client_ip(bp.current_request))
    answer: RecoveryCodesBody = {"recovery_codes": codes}
    return Response(answer)


@bp.route("/v1/me/2fa", methods=["DELETE"])
@api_view
def disable_two_factor() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    body = bodies.parse(bodies.CodeRequest, bp.current_request)
    container().accounts.disable_two_factor(principal, body.code, client_ip(bp.current_request))
    return Response(body="", status_code=204)


@bp.route("/v1/me/sessions", methods=["GET"])
@api_view
def list_sessions() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    page: SignInSessionPageBody = {"items": [
        {"id": s.id, "created_at": rfc3339(s.created_at), "last_used_at": rfc3339(s.last_used_at),
         "user_agent": s.user_agent, "ip": s.ip, "current": s.id == principal.session_id}
        for s in container().accounts.sessions(principal)], "next_cursor": None}
    return Response(page)


@bp.route("/v1/me/sessions/{session_id}", methods=["DELETE"])
@api_view
def end_session(session_id: str) -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    container().accounts.end_session(principal, session_id)
    return Response(body="", status_code=204)
