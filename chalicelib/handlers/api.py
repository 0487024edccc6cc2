"""What every HTTP route shares: the error envelope, request ids, parsing and authentication."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import ChaliceUnhandledError, Response
from chalice.app import Request

from ..domain import errors
from ..domain.api_keys import require_scope
from ..domain.model import Principal
from ..observability import logger, metrics, metrics_enabled, traced

if TYPE_CHECKING:
    from .responses import ErrorBody


class NotAcceptable(errors.DomainError):
    """Content negotiation failed: the Accept header names nothing this endpoint can send."""

    code = "not_acceptable"


STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.InvalidRequest: 400,
    errors.InvalidToken: 400,
    errors.InvalidSignature: 400,
    errors.Unauthorized: 401,
    errors.InsufficientCredits: 402,
    errors.KeyCapReached: 402,
    errors.DailyCapReached: 402,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    NotAcceptable: 406,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.WeakPassword: 422,
    errors.ContentRejected: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}

# Chalice answers some requests itself with {"Code", "Message"} bodies; these become the envelope too.
CHALICE_CODES = {
    400: ("invalid_request", "The request is malformed."),
    401: ("unauthorized", "Authentication is required."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "There is nothing here."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "Send an Accept header naming a type this endpoint answers with."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send JSON with Content-Type: application/json."),
    500: ("internal_error", "Something went wrong on our side. Try again later."),
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class _Escaped(ChaliceUnhandledError):
    """Carries a view's exception past Chalice's own handling, to the middleware."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def envelope(status: int, code: str, message: str, request_id: str, details: dict[str, Any] | None = None,
             headers: Mapping[str, str | list[str]] | None = None) -> Response:
    body: ErrorBody = {"error": {"code": code, "message": message, "details": details or {}},
                       "request_id": request_id}
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def error_response(exc: BaseException, request_id: str) -> Response:
    """The one place that turns an exception into the API's error envelope."""
    if isinstance(exc, errors.DomainError):
        status = next((STATUS_BY_ERROR[c] for c in type(exc).__mro__ if c in STATUS_BY_ERROR), 500)
        headers = {}
        if isinstance(exc, errors.RateLimited):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if isinstance(exc, errors.Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="pixmint"'
        if status == 500:
            logger.exception("unmapped domain error")
            code, message = CHALICE_CODES[500]
            return envelope(500, code, message, request_id)
        return envelope(status, exc.code, exc.message, request_id, exc.details, headers)
    if _is_database_outage(exc):
        logger.warning("database unavailable", extra={"error_type": type(exc).__name__})
        return envelope(503, "unavailable", "A service we depend on is unavailable; try again shortly.", request_id,
                        headers={"Retry-After": "5"})
    logger.exception("unhandled error")
    code, message = CHALICE_CODES[500]
    return envelope(500, code, message, request_id)


def _is_database_outage(exc: BaseException) -> bool:
    import psycopg
    from psycopg_pool import PoolTimeout

    return isinstance(exc, (psycopg.OperationalError, PoolTimeout))


def api_view(func: Callable[..., Any]) -> Callable[..., Any]:
    """Lets a view's exceptions reach the middleware instead of Chalice's generic 500."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # every failure is rendered by the middleware
            raise _Escaped(exc) from exc

    return wrapper


def _request_id(event: Request | None) -> str:
    context = getattr(event, "context", None) or {}
    return str(context.get("requestId") or uuid.uuid4())


def _rewrite_chalice_error(response: Response, request_id: str) -> Response:
    body = response.body
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if not (isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    status = response.status_code
    fallback = CHALICE_CODES[500] if status >= 500 else ("invalid_request", "The request is not valid.")
    code, message = CHALICE_CODES.get(status, fallback)
    if status >= 500:
        status = 500
    elif isinstance(body["Message"], str) and body["Message"].strip():
        # Chalice's own 4xx messages name what was wrong ("Unsupported media type: text/plain", the Accept header a
        # binary reply needs); only 5xx messages are replaced, as they could say something internal.
        message = body["Message"].strip()[:500]
    headers = {k: v for k, v in response.headers.items() if k.lower() in ("allow", "retry-after")}
    return envelope(status, code, message, request_id, headers=headers)


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    request_id = _request_id(event)
    logger.thread_safe_append_keys(request_id=request_id)  # the local stack serves requests in parallel threads
    started = time.perf_counter()
    try:
        _check_query(event)
        with traced(f"## {getattr(event, 'method', '')} {getattr(event, 'path', '')}"):
            response = get_response(event)
    except _Escaped as escaped:
        response = error_response(escaped.original, request_id)
    except Exception as exc:  # noqa: BLE001 - whatever a route raised is answered with the error envelope
        response = error_response(exc, request_id)
    if response.status_code >= 400:
        response = _rewrite_chalice_error(response, request_id)
    response.headers.setdefault("Cache-Control", "no-store")
    if not isinstance(response.body, (str, bytes)) and not any(k.lower() == "content-type" for k in response.headers):
        # Chalice serialises dicts to JSON but names no type; not every gateway (nor the local stack) adds one.
        response.headers["Content-Type"] = "application/json"
    response.headers.update({"X-Request-Id": request_id, **SECURITY_HEADERS})
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "request",
        extra={"method": getattr(event, "method", None), "path": getattr(event, "path", None),
               "status": response.status_code, "duration_ms": round(elapsed_ms, 1)},
    )
    if metrics_enabled():
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if response.status_code >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    logger.thread_safe_remove_keys(["request_id"])
    return response


def _check_query(event: Request) -> None:
    """Each query parameter once (which of two would count is a guess) and without NUL (PostgreSQL refuses it)."""
    query = getattr(event, "query_params", None)
    if not query:
        return
    for name in query:
        values = query.getlist(name)
        if "\x00" in name or any("\x00" in v for v in values):
            raise errors.InvalidRequest("Query parameters may not contain NUL characters.", {"reason": "nul_character"})
        if len(values) > 1:
            raise errors.InvalidRequest(f"Send the query parameter {name} once.", {"field": name})


MAX_JSON_DEPTH = 32  # the deepest body the API takes is 3 levels; this leaves room without risking recursion
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or InvalidRequest."""
    raw = request.raw_body
    if not raw:
        raise errors.InvalidRequest("The request body must be a JSON object.")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise errors.InvalidRequest("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise errors.InvalidRequest("The request body must be a JSON object.")
    _check_storable(body)
    return body


def _too_deep() -> errors.InvalidRequest:
    return errors.InvalidRequest(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                                 {"reason": "too_deep", "max_depth": MAX_JSON_DEPTH})


def _check_storable(body: dict[str, Any]) -> None:
    """Refuses what PostgreSQL and UTF-8 cannot hold: U+0000, lone surrogates (JSON allows "\\ud800", UTF-8 does
    not), and nesting deep enough to exhaust the stack of code that recurses into it; walked without recursion."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found and found.group() == "\x00":
                raise errors.InvalidRequest("Text may not contain NUL characters.", {"reason": "nul_character"})
            if found:
                raise errors.InvalidRequest("Text may not contain lone surrogates (\\ud800 to \\udfff); send "
                                            "characters as UTF-8 or as surrogate pairs.", {"reason": "lone_surrogate"})
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                pending.append((item, depth + 1))
                if isinstance(key, str):
                    pending.append((key, depth + 1))


def accept_quality(header: str | None, media_type: str, wildcard: bool = True) -> float:
    """How much an Accept header wants media_type (RFC 9110 12.5.1): the most specific matching range decides, 0
    when none matches or there is no header. wildcard=False ignores */*, for types a client must name to get."""
    wanted_type = media_type.lower().split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in (header or "").split(","):
        kind, *params = [p.strip() for p in part.split(";")]
        kind = kind.lower()
        if kind == media_type.lower():
            specificity = 2
        elif kind == f"{wanted_type}/*":
            specificity = 1
        elif kind == "*/*" and wildcard:
            specificity = 0
        else:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        best = max(best, (specificity, q), key=lambda pair: pair[0])
    return best[1]


def whole_number(raw: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²" and other characters int() refuses."""
    return raw.isascii() and raw.isdigit()


def parse_moment(raw: str | None, name: str) -> datetime | None:
    """An RFC 3339 date or time with its zone (None stays None); a 400 naming the field otherwise."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidRequest(f"{name} must be an RFC 3339 date or time.", {"field": name}) from None
    if moment.tzinfo is None:
        raise errors.InvalidRequest(f"{name} needs a time zone, e.g. 2026-01-31T00:00:00Z.", {"field": name})
    return moment


def query_of(request: Request) -> Mapping[str, str]:
    """The query string's parameters (each one once: the middleware refuses repeats); empty without one."""
    return request.query_params or {}


def page_params(request: Request) -> tuple[int, str | None]:
    """The ?limit= (1..100, default 20) and ?cursor= of a list request."""
    query = query_of(request)
    raw_limit = query.get("limit", "20")
    if not whole_number(raw_limit) or not 1 <= int(raw_limit) <= 100:
        raise errors.InvalidRequest("limit must be a whole number from 1 to 100.", {"field": "limit"})
    cursor = query.get("cursor") or None
    return int(raw_limit), cursor


# Set on /v1/* by CloudFront (a viewer-request function, over anything the viewer sent) and as an origin header.
VIEWER_ADDRESS_HEADER = "x-viewer-address"
ORIGIN_SECRET_HEADER = "x-origin-secret"  # noqa: S105  # nosec B105 - a header's name, not its value


def client_ip(request: Request) -> str:
    """The caller's address, which throttles key on: the viewer's as CloudFront saw it when the request came
    through the distribution (it carries the origin secret), else the address API Gateway saw."""
    identity = (request.context or {}).get("identity") or {}
    viewer = (request.headers.get(VIEWER_ADDRESS_HEADER) or "").strip()
    if viewer and _through_cloudfront(request):
        try:
            return str(ipaddress.ip_address(viewer))
        except ValueError:
            pass
    return str(identity.get("sourceIp") or "unknown")


def _through_cloudfront(request: Request) -> bool:
    from ..bootstrap import container

    secret = container().settings.origin_secret
    sent = request.headers.get(ORIGIN_SECRET_HEADER) or ""
    return bool(secret) and hmac.compare_digest(sent.encode(), (secret or "").encode())


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthorized("Sign in first: send Authorization: Bearer <access token>.")
    return token.strip()


# What an API key must hold for each kind of route (shared/API.md "API keys"); reading a generation's progress is
# part of making it and of reading the library.
GENERATE = ("generate",)
GENERATION_READ = ("generate", "library:read")
LIBRARY_READ = ("library:read",)
LIBRARY_WRITE = ("library:write",)


def authenticate(request: Request, allow_suspended: bool = False, allow_api_key: bool = True,
                 scopes: tuple[str, ...] = ()) -> Principal:
    """The caller, from a bearer token or an X-API-Key (which counts against the key's rate limit). An API key
    must hold one of `scopes` when any are named; people hold them all."""
    from ..bootstrap import container

    api_key = request.headers.get("x-api-key")
    if api_key is not None and "authorization" not in request.headers:
        if not allow_api_key:
            raise errors.Forbidden("API keys cannot use this endpoint; sign in instead.", {"reason": "api_key"})
        principal = container().api_keys.authenticate(api_key.strip(), client_ip(request))
    else:
        principal = container().accounts.authenticate(bearer_token(request))
    if principal.user.suspended and not allow_suspended:
        raise errors.Forbidden("This account is suspended.", {"reason": "suspended"})
    if scopes:
        require_scope(principal, *scopes)
    return principal


def has_credentials(request: Request) -> bool:
    """Whether the request carries a bearer token or an API key (which must then be valid)."""
    return "authorization" in request.headers or "x-api-key" in request.headers


def optional_principal(request: Request) -> Principal | None:
    """The signed-in caller of a route anyone may call: None without credentials, else as authenticate."""
    return authenticate(request) if has_credentials(request) else None


def require_admin(request: Request) -> Principal:
    """An admin signed in with a bearer token, who outside the local stage has two-factor sign-in on."""
    from ..bootstrap import container

    principal = authenticate(request, allow_api_key=False)
    container().accounts.check_admin_access(principal)
    return principal

