"""Sign-up, email verification, sign-in, token refresh, sign-out and password reset."""

from __future__ import annotations

from chalice import Blueprint, Response
from chalice.app import Request

from ..bootstrap import container
from . import bodies
from .api import api_view, authenticate, client_ip
from .responses import ACCEPTED, session_json, user_json

bp = Blueprint(__name__)
MAX_USER_AGENT = 300


def user_agent(request: Request) -> str | None:
    agent = (request.headers.get("user-agent") or "").strip()
    return agent[:MAX_USER_AGENT] or None


@bp.route("/v1/auth/register", methods=["POST"])
@api_view
def register() -> Response:
    request = bp.current_request
    body = bodies.parse(bodies.RegisterRequest, request)
    session = container().accounts.register(
        body.email, body.password, body.display_name, client_ip(request), user_agent(request),
        invite_code=body.invite_code, referral_code=body.referral_code,
    )
    return Response(session_json(session), status_code=201)


@bp.route("/v1/auth/verify-email", methods=["POST"])
@api_view
def verify_email() -> Response:
    body = bodies.parse(bodies.TokenRequest, bp.current_request)
    return Response(user_json(container().accounts.verify_email(body.token)), status_code=200)


@bp.route("/v1/auth/verify-email/resend", methods=["POST"])
@api_view
def resend_verification() -> Response:
    principal = authenticate(bp.current_request)
    container().accounts.resend_verification(principal)
    return Response(ACCEPTED, status_code=202)


@bp.route("/v1/auth/login", methods=["POST"])
@api_view
def login() -> Response:
    request = bp.current_request
    body = bodies.parse(bodies.LoginRequest, request)
    session = container().accounts.login(body.email, body.password, client_ip(request), body.code,
                                         user_agent(request))
    return Response(session_json(session), status_code=200)


@bp.route("/v1/auth/refresh", methods=["POST"])
@api_view
def refresh() -> Response:
    body = bodies.parse(bodies.RefreshRequest, bp.current_request)
    return Response(session_json(container().accounts.refresh(body.refresh_token)), status_code=200)


@bp.route("/v1/auth/logout", methods=["POST"])
@api_view
def logout() -> Response:
    body = bodies.parse(bodies.RefreshRequest, bp.current_request)
    container().accounts.logout(body.refresh_token)
    return Response(body="", status_code=204)


@bp.route("/v1/auth/password-reset", methods=["POST"])
@api_view
def password_reset() -> Response:
    body = bodies.parse(bodies.PasswordResetRequest, bp.current_request)
    container().accounts.request_password_reset(body.email)
    return Response(ACCEPTED, status_code=202)


@bp.route("/v1/auth/password-reset/confirm", methods=["POST"])
@api_view
def password_reset_confirm() -> Response:
    body = bodies.parse(bodies.PasswordResetConfirm, bp.current_request)
    container().accounts.confirm_password_reset(body.token, body.new_password)
    return Response(body="", status_code=204)
