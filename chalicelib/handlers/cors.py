"""Cross-origin access for browsers: only the configured origins, on every answer, errors included.

API Gateway sends preflight (OPTIONS) requests to the Lambda because app.py registers an OPTIONS
route beside every path, so the origin list is read at run time from the settings, never baked in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chalice import Chalice, Response
from chalice.app import Request

from ..domain import errors
from .api import api_view

ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-API-Key"
EXPOSED_HEADERS = "X-Request-Id, Retry-After, Location, Content-Disposition"
PREFLIGHT_MAX_AGE_SECONDS = "600"


def _origin(request: Request) -> str | None:
    headers = getattr(request, "headers", None) or {}
    return headers.get("origin")


def cors_headers(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """Headers that let an allowed origin read the answer; nothing for any other origin."""
    origin = _origin(request)
    if origin is None or origin not in allowed:
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS,
            "Vary": "Origin"}


def preflight(request: Request, allowed: Iterable[str], methods: Iterable[str]) -> Response | None:
    """The preflight answer for an allowed origin, or None when the origin may not call the API."""
    origin = _origin(request)
    if origin is None or origin not in allowed:
        return None
    return Response(body="", status_code=204, headers={
        **cors_headers(request, allowed),
        "Access-Control-Allow-Methods": ", ".join(sorted({*methods, "OPTIONS"})),
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
    })


def allowed_origins() -> tuple[str, ...]:
    from ..bootstrap import container

    return container().settings.cors_origins


def cors_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Adds the CORS headers to every answer; app.py registers it first, so errors rendered by the API's own
    middleware get them too."""
    response = get_response(event)
    try:
        allowed = allowed_origins()
    except Exception:  # noqa: BLE001 - an app that cannot start grants no origin; the error is answered already
        allowed = ()
    response.headers.update(cors_headers(event, allowed))
    return response


def register_preflight_routes(app: Chalice) -> None:
    """An OPTIONS route beside every path, so API Gateway hands preflights to us instead of a fixed mock."""
    for path, views in list(app.routes.items()):
        if "OPTIONS" not in views:
            app.route(path, methods=["OPTIONS"])(_preflight_view(app, tuple(views)))


def _preflight_view(app: Chalice, methods: tuple[str, ...]) -> Callable[..., Response]:
    @api_view
    def preflight_request(**_path_params: str) -> Response:
        request = app.current_request
        assert request is not None  # Chalice sets it before it calls a view
        response = preflight(request, allowed_origins(), methods)
        if response is None:
            raise errors.Forbidden("This origin may not call the Pixmint API from a browser.")
        return response

    return preflight_request
