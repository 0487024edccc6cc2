"""One origin, as CloudFront serves it: the frontend at /, the API at /v1/, a dev outbox at /_dev/outbox (and as
JSON at /_dev/outbox.json), and S3's browser uploads at /_dev/s3/<bucket> when S3 is an emulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import mimetypes
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .compression import StaticCache, compress
from .gateway import GatewayResponse, PixmintGateway

# The same policy CloudFront's response-headers policy sets in production.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
FRONTEND_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
NOT_BUILT = b"""<!doctype html><html lang="en"><title>Pixmint</title><h1>The frontend is not built</h1>
<p>Run <code>make dev</code>, which builds it into frontend/dist.</p></html>"""


def _page(title: str, body: str, status: int = 200) -> GatewayResponse:
    page = (f'<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>{body}</html>')
    return GatewayResponse(status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                    **FRONTEND_HEADERS}, page.encode())


class LocalCheckout:
    """Plays Stripe Checkout for `make dev`: shows the order, and on Pay sends the signed webhook."""

    def __init__(self, gateway: PixmintGateway) -> None:
        self._gateway = gateway

    def show(self, checkout_id: str) -> GatewayResponse:
        from chalicelib.bootstrap import container
        from chalicelib.domain.errors import NotFound

        try:
            payment = container().credits.checkout_order(checkout_id)
        except NotFound:
            return _page("Checkout not found", "<h1>No such checkout</h1>", 404)
        amount = f"${payment.amount_cents / 100:,.2f}"
        if payment.status != "open":
            return _page("Checkout", f"<h1>This checkout is {html.escape(payment.status)}</h1>"
                                     f'<p><a href="/credits">Back to Pixmint</a></p>')
        return _page(
            "Pixmint test checkout",
            "<main><h1>Pixmint test checkout</h1>"
            "<p>This is the local stand-in for Stripe Checkout: no card is charged.</p>"
            f"<dl><dt>Credits</dt><dd>{payment.credits:,}</dd><dt>Total</dt><dd>{amount}</dd></dl>"
            f'<form method="post" action="/_dev/checkout/{html.escape(checkout_id)}/pay">'
            f'<button type="submit">Pay {amount}</button></form>'
            '<p><a href="/credits?cancelled=1">Cancel and go back</a></p></main>',
        )

    def pay(self, checkout_id: str) -> GatewayResponse:
        from chalicelib.adapters.local_checkout import completed_event, encode, sign_webhook
        from chalicelib.bootstrap import container
        from chalicelib.domain.errors import NotFound

        services = container()
        try:
            payment = services.credits.checkout_order(checkout_id)
        except NotFound:
            return _page("Checkout not found", "<h1>No such checkout</h1>", 404)
        body = encode(completed_event(checkout_id, payment.amount_cents, payment.currency, payment.user_id))
        headers = {"Content-Type": "application/json", "Stripe-Signature": sign_webhook(body, services.webhook_secret)}
        reply = self._gateway.handle("POST", "/v1/webhooks/stripe", headers, body)
        if reply.status != 200:
            return _page("Payment failed", f"<h1>The webhook answered {reply.status}</h1>", 502)
        return GatewayResponse(303, {"Location": f"/credits/return?checkout_id={checkout_id}",
                                     "Cache-Control": "no-store"}, b"")


class S3Refusal(Exception):
    """An answer S3 gives a browser's form upload instead of storing it: its status, code and XML."""

    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> GatewayResponse:
        request_id = uuid.uuid4().hex[:16].upper()
        extra = "".join(f"<{name}>{html.escape(str(value), quote=False)}</{name}>"
                        for name, value in self.extra.items())
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{html.escape(self.message, quote=False)}</Message>{extra}"
                f"<RequestId>{request_id}</RequestId></Error>")
        return GatewayResponse(self.status, {"Content-Type": "application/xml", "x-amz-request-id": request_id,
                                             **FRONTEND_HEADERS}, body.encode())


def _access_denied(message: str) -> S3Refusal:
    return S3Refusal(403, "AccessDenied", f"Invalid according to Policy: {message}")


# Form fields no policy condition needs to name (S3's POST policy rules).
_UNCONDITIONED = ("policy", "x-amz-signature", "file")
_SIGNATURE_FIELDS = ("key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
LOCAL_POST_LIMIT = 64 * 1024 * 1024  # what this stand-in reads at most; the policy's content-length-range decides


class LocalS3Post:
    """Plays S3's browser form upload (POST Object with a SigV4 policy) for `make dev`, at /_dev/s3/<bucket>.

    The presigned form the API hands out names the emulator's own address, another origin than the page, which
    the page's connect-src 'self' refuses; the local stack sends the browser here instead, checks the policy as S3
    does (signature, expiry, conditions, content-length-range; S3's XML errors) and writes the file to the
    emulated bucket."""

    PREFIX = "/_dev/s3/"

    def __init__(self, s3: Callable[[], Any], credentials: Callable[[], Any] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._s3_factory, self._credentials_factory, self._now = s3, credentials or _boto_credentials, now
        self._client: Any = None

    def form_url(self, host: str | None, bucket: str) -> str:
        path = self.PREFIX + quote(bucket)
        return f"http://{host}{path}" if host and _HOST.fullmatch(host) else path

    def localize_ticket(self, method: str, path: str, host: str | None, response: GatewayResponse) -> GatewayResponse:
        """An upload ticket of the API, sent to this origin's stand-in instead of the emulator's address."""
        if method != "POST" or path != "/v1/uploads" or response.status != 201:
            return response
        try:
            answer = json.loads(response.body)
            policy = json.loads(base64.b64decode(answer["fields"]["policy"]))
            [bucket] = [c["bucket"] for c in policy["conditions"] if isinstance(c, dict) and "bucket" in c]
            answer["url"] = self.form_url(host, bucket)
        except (ValueError, KeyError, TypeError):  # an image's answer, not a ticket
            return response
        return GatewayResponse(response.status, response.headers, json.dumps(answer).encode())

    def answer(self, method: str, path: str, host: str | None, content_type: str, body: bytes) -> GatewayResponse:
        bucket = unquote(path[len(self.PREFIX):].rstrip("/"))
        try:
            if method != "POST" or not bucket or "/" in bucket:
                raise S3Refusal(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                                Method=method, ResourceType="OBJECT")
            fields, filename, data = _form(content_type, body)
            key = self._check(bucket, fields, len(data)).replace("${filename}", filename)
            etag = self._store(bucket, key, fields, data)
        except S3Refusal as refusal:
            return refusal.response()
        status = fields.get("success_action_status")
        location = self.form_url(host, bucket) + "/" + quote(key)
        headers = {"ETag": etag, "Location": location, **FRONTEND_HEADERS}
        if status == "201":
            xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>{html.escape(location)}</Location>'
                   f"<Bucket>{html.escape(bucket)}</Bucket><Key>{html.escape(key)}</Key><ETag>{html.escape(etag)}</ETag>"
                   "</PostResponse>")
            return GatewayResponse(201, {**headers, "Content-Type": "application/xml"}, xml.encode())
        return GatewayResponse(200 if status == "200" else 204, headers, b"")

    def _check(self, bucket: str, fields: dict[str, str], size: int) -> str:
        """The key the form may write, or the refusal S3 would answer."""
        if not fields.get("policy"):
            raise S3Refusal(403, "AccessDenied", "Access Denied")
        missing = [name for name in _SIGNATURE_FIELDS if name not in fields]
        if missing:
            raise S3Refusal(400, "InvalidArgument", f"Bucket POST must contain a field named '{missing[0]}'.  If it "
                            "is specified, please check the order of the fields.", ArgumentName=missing[0])
        if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
            raise S3Refusal(400, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported here.",
                            ArgumentName="x-amz-algorithm")
        self._check_signature(fields)
        try:
            policy = json.loads(base64.b64decode(fields["policy"], validate=True))
            expiration = datetime.fromisoformat(policy["expiration"])
            conditions = policy["conditions"]
            if expiration.tzinfo is None or not isinstance(conditions, list):
                raise ValueError("no time zone, or no list of conditions")
        except (ValueError, KeyError, TypeError):
            raise S3Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if self._now() >= expiration:
            raise _access_denied("Policy expired.")
        covered, length = _check_conditions(conditions, {**fields, "bucket": bucket})
        extra = [name for name in fields if name not in covered and name not in _UNCONDITIONED
                 and not name.startswith("x-ignore-")]
        if extra:
            raise _access_denied(f"Extra input fields: {extra[0]}")
        if length is not None and size > length[1]:
            raise S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                            ProposedSize=size, MaxSizeAllowed=length[1])
        if length is not None and size < length[0]:
            raise S3Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                            ProposedSize=size, MinSizeAllowed=length[0])
        return fields["key"]

    def _check_signature(self, fields: dict[str, str]) -> None:
        credentials = self._credentials_factory()
        scope = fields["x-amz-credential"].split("/")
        if len(scope) != 5 or scope[3:] != ["s3", "aws4_request"]:
            raise S3Refusal(400, "AuthorizationQueryParametersError",
                            "Error parsing the X-Amz-Credential parameter; it must be <key>/<date>/<region>/s3/"
                            "aws4_request.")
        access_key, day, region = scope[:3]
        if access_key != credentials.access_key:
            raise S3Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
                            "records.", AWSAccessKeyId=access_key)
        if credentials.token and fields.get("x-amz-security-token") != credentials.token:
            raise S3Refusal(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
        key = ("AWS4" + credentials.secret_key).encode()
        for part in (day, region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), fields["x-amz-signature"].lower().encode()):
            raise S3Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                            "signature you provided. Check your key and signing method.",
                            AWSAccessKeyId=access_key, StringToSign=fields["policy"],
                            SignatureProvided=fields["x-amz-signature"])

    def _store(self, bucket: str, key: str, fields: dict[str, str], data: bytes) -> str:
        from botocore.exceptions import ClientError

        if self._client is None:
            self._client = self._s3_factory()
        extra: dict[str, Any] = {"Metadata": {name[len("x-amz-meta-"):]: value for name, value in fields.items()
                                              if name.startswith("x-amz-meta-")}}
        for field, argument in (("content-type", "ContentType"), ("cache-control", "CacheControl"),
                                ("content-disposition", "ContentDisposition"),
                                ("x-amz-server-side-encryption", "ServerSideEncryption")):
            if field in fields:
                extra[argument] = fields[field]
        try:
            return str(self._client.put_object(Bucket=bucket, Key=key, Body=data, **extra)["ETag"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                raise S3Refusal(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket) from None
            raise


def _boto_credentials() -> Any:
    """The credentials the app's boto3 clients sign with (the default chain), so its presigned forms verify here."""
    import boto3

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        raise S3Refusal(403, "InvalidAccessKeyId", "No AWS credentials are configured for the local stack.")
    return credentials.get_frozen_credentials()


def _check_conditions(conditions: list[Any], values: dict[str, str]) -> tuple[set[str], tuple[int, int] | None]:
    """The fields the policy's conditions cover, and its content-length-range; raises S3's refusal of a field."""
    covered: set[str] = set()
    length = None
    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            [(name, expected)] = condition.items()
            operator, name = "eq", f"${name}"
        elif isinstance(condition, list) and len(condition) == 3:
            operator, name, expected = str(condition[0]).lower(), condition[1], condition[2]
        else:
            raise S3Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
        if operator == "content-length-range":
            try:
                length = (int(name), int(expected))
            except (TypeError, ValueError):
                raise S3Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid content-length-range.") from None
            continue
        if operator not in ("eq", "starts-with") or not isinstance(name, str) or not name.startswith("$") \
                or not isinstance(expected, str):
            raise S3Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
        field = name[1:].lower()
        covered.add(field)
        actual = values.get(field)
        if actual is None or (actual != expected if operator == "eq" else not actual.startswith(expected)):
            raise _access_denied(f"Policy Condition failed: {json.dumps([operator, name, expected])}")
    return covered, length


def _form(content_type: str, body: bytes) -> tuple[dict[str, str], str, bytes]:
    """A multipart/form-data body's fields up to the file (S3 ignores any after it, and so does this), with the
    file's name and bytes; field names in lower case, as S3 matches them."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or boundary is None:
        raise S3Refusal(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                        Condition="Bucket POST must be of the enclosure-type multipart/form-data")
    malformed = S3Refusal(400, "MalformedPOSTRequest",
                          "The body of your POST request is not well-formed multipart/form-data.")
    sections = (b"\r\n" + body).split(b"\r\n--" + boundary.group(1).encode())
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise malformed
    fields: dict[str, str] = {}
    for section in sections[1:-1]:
        head, separator, content = section.partition(b"\r\n\r\n")
        disposition = next((line.split(b":", 1)[1].decode("latin-1") for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-disposition:")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        if not separator or name is None:
            raise malformed
        if name.group(1).lower() == "file":
            filename = re.search(r'\bfilename="([^"]*)"', disposition)
            return fields, filename.group(1) if filename else "", content
        fields.setdefault(name.group(1).lower(), content.decode("utf-8", "replace"))
    raise S3Refusal(400, "InvalidArgument", "POST requires exactly one file upload per request.",
                    ArgumentName="file", ArgumentValue="0")


def make_handler(gateway: PixmintGateway, static_dir: Path, outbox: Callable[[], list[dict]] | None,
                 checkout: LocalCheckout | None = None,
                 s3_post: LocalS3Post | None = None,
                 status_file: Path | None = None) -> type[BaseHTTPRequestHandler]:
    static_root = static_dir.resolve()
    compressed = StaticCache()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, keep-alive clients wait 40 ms for a delayed ACK.
        disable_nagle_algorithm = True
        server_version = "pixmint-dev"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # the app logs requests itself
            pass

        def _send(self, response: GatewayResponse, head_only: bool = False,
                  cache_key: tuple[str, int, int] | None = None) -> None:
            # As CloudFront does in front of the app and the API alike.
            response = compress(response, self.headers.get("Accept-Encoding"), compressed, cache_key)
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(response.body)

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else None

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/v1/") or path == "/v1":
                body = self._body()
                headers = {k: v for k, v in self.headers.items()}
                response = gateway.handle(self.command, self.path, headers, body, self.client_address[0])
                if s3_post is not None:
                    response = s3_post.localize_ticket(self.command, path, self.headers.get("Host"), response)
                self._send(response)
            elif s3_post is not None and path.startswith(LocalS3Post.PREFIX):
                self._send(self._s3_post(s3_post, path))
            elif checkout is not None and path.startswith("/_dev/checkout/"):
                parts = path.split("/")
                if self.command == "GET" and len(parts) == 4:
                    self._send(checkout.show(parts[3]))
                elif self.command == "POST" and len(parts) == 5 and parts[4] == "pay":
                    self._body()
                    self._send(checkout.pay(parts[3]))
                else:
                    self._send(GatewayResponse(404, {"Content-Type": "text/plain"}, b"Not found"))
            elif self.command in ("GET", "HEAD"):
                if path == "/_dev/outbox" and outbox is not None:
                    self._send(self._outbox())
                elif path == "/_dev/outbox.json" and outbox is not None:
                    self._send(self._outbox_json(), head_only=self.command == "HEAD")
                elif path == "/status/status.json" and status_file is not None:
                    self._send(self._status_file(), head_only=self.command == "HEAD")
                elif path.startswith("/_dev/"):
                    # Only what the local stack enables lives under /_dev/; never the app shell.
                    self._send(GatewayResponse(404, {"Content-Type": "text/plain; charset=utf-8",
                                                     **FRONTEND_HEADERS}, b"Not found"))
                else:
                    # /status is a page of its own, not the app's: it must load while the API is down.
                    page = "/status.html" if path in ("/status", "/status/") else path
                    response, key = self._static(page)
                    self._send(response, head_only=self.command == "HEAD", cache_key=key)
            else:
                self._send(GatewayResponse(405, {"Allow": "GET, HEAD", **FRONTEND_HEADERS}, b""))

        def _s3_post(self, s3_post: LocalS3Post, path: str) -> GatewayResponse:
            if self.command != "POST":
                self.close_connection = True  # any body it has goes unread
                return s3_post.answer(self.command, path, self.headers.get("Host"), "", b"")
            try:
                length = int(self.headers["Content-Length"])
            except (TypeError, ValueError):
                self.close_connection = True  # the body, if any, cannot be skipped
                return S3Refusal(411, "MissingContentLength", "You must provide the Content-Length HTTP header.") \
                    .response()
            if length > LOCAL_POST_LIMIT:
                self.close_connection = True
                return S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                                 ProposedSize=length, MaxSizeAllowed=LOCAL_POST_LIMIT).response()
            body = self.rfile.read(length) if length > 0 else b""
            return s3_post.answer(self.command, path, self.headers.get("Host"),
                                  self.headers.get("Content-Type", ""), body)

        def _static(self, path: str) -> tuple[GatewayResponse, tuple[str, int, int] | None]:
            """A file of the built frontend (or the app shell for client-side routes), and its version for the cache
            of compressed copies."""
            index = static_root / "index.html"
            candidate = (static_root / path.lstrip("/")).resolve()
            if not candidate.is_relative_to(static_root) or not candidate.is_file():
                # Client-side routes fall back to the app shell; missing assets are real 404s.
                if path.startswith("/assets/") or not index.is_file():
                    body = NOT_BUILT if not index.is_file() else b"Not found"
                    return GatewayResponse(404, {"Content-Type": "text/html; charset=utf-8", **FRONTEND_HEADERS},
                                           body), None
                candidate = index
            content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
                content_type += "; charset=utf-8"
            immutable = candidate.parent.name == "assets"
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            stat = candidate.stat()
            return GatewayResponse(
                200, {"Content-Type": content_type, "Cache-Control": cache, **FRONTEND_HEADERS}, candidate.read_bytes()
            ), (str(candidate), stat.st_size, stat.st_mtime_ns)

        def _outbox(self) -> GatewayResponse:
            items = []
            for mail in outbox():  # type: ignore[misc]
                text = html.escape(mail["body"])
                text = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)
                items.append(
                    f"<article><h2>{html.escape(mail['subject'])}</h2><p>To: {html.escape(', '.join(mail['to']))}</p>"
                    f"<pre>{text}</pre></article>"
                )
            page = (
                '<!doctype html><html lang="en"><meta charset="utf-8"><title>Pixmint dev outbox</title>'
                "<h1>Emails sent by the local stack</h1>" + ("".join(items) or "<p>No email yet.</p>") + "</html>"
            )
            return GatewayResponse(200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                         **FRONTEND_HEADERS}, page.encode())

        def _status_file(self) -> GatewayResponse:
            """The status page's file, as the web app's bucket serves it (written by the metrics schedule)."""
            assert status_file is not None
            if not status_file.is_file():
                return GatewayResponse(404, {"Content-Type": "application/json", "Cache-Control": "no-store",
                                             **FRONTEND_HEADERS}, b'{"error": "not published yet"}')
            return GatewayResponse(200, {"Content-Type": "application/json", "Cache-Control": "no-cache",
                                         **FRONTEND_HEADERS}, status_file.read_bytes())

        def _outbox_json(self) -> GatewayResponse:
            """Sent emails oldest first, for tests and scripts that follow emailed links."""
            mails = [{"to": ", ".join(mail["to"]), "subject": mail["subject"], "body": mail["body"],
                      "html": mail.get("html"), "sent_at": mail.get("sent_at")}
                     for mail in reversed(outbox())]  # type: ignore[misc]
            return GatewayResponse(200, {"Content-Type": "application/json", "Cache-Control": "no-store",
                                         **FRONTEND_HEADERS}, json.dumps(mails).encode())

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    return Handler


class LocalServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 overflows, and clients see resets, when a burst arrives while requests wait.
    request_queue_size = 128


def serve(gateway: PixmintGateway, static_dir: Path, port: int, outbox: Callable[[], list[dict]] | None,
          host: str = "127.0.0.1", local_checkout: bool = False, status_file: Path | None = None
          ) -> ThreadingHTTPServer:
    checkout = LocalCheckout(gateway) if local_checkout else None
    server = LocalServer((host, port), make_handler(gateway, static_dir, outbox, checkout, local_s3_post(),
                                                    status_file))
    server.daemon_threads = True
    return server


def local_s3_post() -> LocalS3Post | None:
    """The stand-in for S3's form uploads, on a local stage whose S3 is an emulator (AWS_ENDPOINT_URL)."""
    from chalicelib.bootstrap import aws_client
    from chalicelib.config import load_settings

    settings = load_settings()
    if not (settings.is_local and settings.aws_endpoint_url):
        return None
    return LocalS3Post(lambda: aws_client(settings, "s3"))
