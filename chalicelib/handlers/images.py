"""A user's images, their downloads and sharing; the public share pages and the community feed."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Blueprint, Rate, Response

from ..bootstrap import container
from ..domain.errors import InvalidRequest
from ..domain.library import MAX_QUERY, SORTS, Download, ImageFilters, normalise_aspect
from ..domain.operations import OPERATIONS
from ..observability import logger
from . import bodies
from .api import (
    LIBRARY_READ,
    LIBRARY_WRITE,
    NotAcceptable,
    accept_quality,
    api_view,
    authenticate,
    has_credentials,
    page_params,
    parse_moment,
    query_of,
    whole_number,
)
from .responses import (
    ACCEPTED,
    BoardPageBody,
    BulkResultBody,
    DownloadLinkBody,
    ImagePageBody,
    LikesBody,
    LineageBody,
    PublicImagePageBody,
    ShowcaseBody,
    alt_text,
    board_json,
    image_json,
    public_json,
    share_json,
    share_url,
)

bp = Blueprint(__name__)


def _int(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not whole_number(raw):
        raise InvalidRequest(f"{name} must be a whole number.", {"field": name})
    return int(raw)


MAX_MODEL_ID = 100
SVG = "image/svg+xml"
SVG_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
JSON = "application/json"


def wants_link() -> bool:
    """Whether to make a link straight away: the client names JSON and no image type nor */* at all."""
    accept = (bp.current_request.headers.get("accept") or "").lower()
    return accept_quality(accept, JSON, wildcard=False) > 0 and "image/" not in accept and "*/*" not in accept


def _binary(download: Download, cache: str, attachment: bool = True,
            link: Callable[[], Download] | None = None) -> Response:
    """Bytes with validators, a redirect to S3 for files Lambda cannot return, or {url, filename, expires_in} for a
    client that asks for JSON (the link comes from `link` when the bytes were inline); 304 when unchanged, 406 when
    the Accept header takes neither the file's type nor JSON."""
    accept = bp.current_request.headers.get("accept")
    as_bytes = accept_quality(accept, download.content_type)
    as_json = accept_quality(accept, JSON, wildcard=False)  # named, not */*: a browser's <img> wants the picture
    headers: dict[str, str | list[str]] = {"ETag": download.etag, "Cache-Control": cache}
    if download.redirect_url is None and link is not None and as_json > 0 and as_json > as_bytes:
        download = link()
    if download.redirect_url:
        if as_json > 0:
            # Browsers' fetch cannot follow a cross-origin redirect to S3; they get the link to open instead.
            link_body: DownloadLinkBody = {"url": download.redirect_url, "filename": download.filename,
                                           "expires_in": download.expires_in}
            return Response(link_body, headers={"Cache-Control": "no-store"})
        if as_bytes > 0:
            return Response("", status_code=302, headers={**headers, "Location": download.redirect_url,
                                                           "Cache-Control": "no-store"})
    if as_bytes == 0:
        options = f"Accept: {download.content_type}" + (f" or Accept: {JSON} for a short-lived link" if link else "")
        raise NotAcceptable(f"This download is {download.content_type}; send {options}.",
                            {"header": "Accept", "types": [download.content_type] + ([JSON] if link else [])})
    if download.etag in (bp.current_request.headers.get("if-none-match") or "").replace(" ", "").split(","):
        return Response("", status_code=304, headers=headers)
    if download.content_type == SVG:
        # An SVG can carry script: never rendered as a page of our origin, only saved or shown through <img>.
        attachment = True
        headers["Content-Security-Policy"] = SVG_CSP
    if attachment:
        headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return Response(download.data, headers={"Content-Type": download.content_type, **headers})


def _download_params() -> tuple[str | None, int | None, int | None]:
    query = query_of(bp.current_request)
    return query.get("format") or None, _int(query, "width"), _int(query, "quality")


@bp.route("/v1/images", methods=["GET"])
@api_view
def list_images() -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    limit, cursor = page_params(bp.current_request)
    filters = library_filters(query_of(bp.current_request))
    items, next_cursor = container().library.list(principal.user.id, filters, cursor, limit)
    page: ImagePageBody = {"items": [image_json(i) for i in items], "next_cursor": next_cursor}
    return Response(page)


def library_filters(query: Mapping[str, str]) -> ImageFilters:
    """The filters of GET /v1/images; a value it cannot take is a 400 naming its parameter (an empty one is absent)."""
    given = {name: value for name, value in query.items() if value != ""}
    favorite = given.get("favorite")
    if favorite not in (None, "true", "false"):
        raise InvalidRequest("favorite is true or false.", {"field": "favorite"})
    q = " ".join((given.get("q") or "").split()) or None
    if q and len(q) > MAX_QUERY:
        raise InvalidRequest(f"The search text is at most {MAX_QUERY} characters.", {"field": "q"})
    model = given.get("model")
    if model is not None and len(model) > MAX_MODEL_ID:
        raise InvalidRequest(f"model is a model id of at most {MAX_MODEL_ID} characters.", {"field": "model"})
    rating_min = given.get("rating_min")
    if rating_min is not None and rating_min not in ("1", "2", "3", "4", "5"):
        raise InvalidRequest("rating_min is a whole number from 1 to 5.", {"field": "rating_min"})
    operation = given.get("operation")
    if operation is not None and operation not in OPERATIONS:
        raise InvalidRequest("operation is one of " + ", ".join(OPERATIONS) + ".",
                             {"field": "operation", "allowed": list(OPERATIONS)})
    sort = given.get("sort", "newest")
    if sort not in SORTS:
        raise InvalidRequest("sort is newest or relevance.", {"field": "sort", "allowed": list(SORTS)})
    aspect = given.get("aspect")
    return ImageFilters(favorite={"true": True, "false": False}.get(favorite or ""), q=q, model=model,
                        board_id=given.get("board_id"), rating_min=None if rating_min is None else int(rating_min),
                        operation=operation, since=parse_moment(given.get("since"), "since"),
                        until=parse_moment(given.get("until"), "until"),
                        aspect=None if aspect is None else normalise_aspect(aspect), sort=sort)


@bp.route("/v1/images/{image_id}/rating", methods=["PUT"])
@api_view
def rate(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.RatingRequest, bp.current_request)
    container().library.rate(principal.user.id, image_id, body.stars)
    return Response("", status_code=204)


@bp.route("/v1/images/{image_id}/rating", methods=["DELETE"])
@api_view
def unrate(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().library.rate(principal.user.id, image_id, None)
    return Response("", status_code=204)


@bp.route("/v1/images/{image_id}/similar", methods=["GET"])
@api_view
def similar(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    items = container().library.similar(principal.user.id, image_id)
    page: ImagePageBody = {"items": [image_json(i) for i in items], "next_cursor": None}
    return Response(page)


@bp.route("/v1/boards", methods=["POST"])
@api_view
def create_board() -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.BoardRequest, bp.current_request)
    return Response(board_json(container().boards.create(principal.user.id, body.name)), status_code=201)


@bp.route("/v1/boards", methods=["GET"])
@api_view
def list_boards() -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().boards.list(principal.user.id, cursor, limit)
    page: BoardPageBody = {"items": [board_json(b) for b in items], "next_cursor": next_cursor}
    return Response(page)


@bp.route("/v1/boards/{board_id}", methods=["GET"])
@api_view
def get_board(board_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    return Response(board_json(container().boards.board(principal.user.id, board_id)))


@bp.route("/v1/boards/{board_id}", methods=["PATCH"])
@api_view
def change_board(board_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.BoardChange, bp.current_request)
    if not body.model_fields_set:
        raise InvalidRequest("Send a new name or a cover_image_id.", {"field": "name"})
    cover = (body.cover_image_id,) if "cover_image_id" in body.model_fields_set else None
    board = container().boards.update(principal.user.id, board_id, body.name, cover)
    return Response(board_json(board))


@bp.route("/v1/boards/{board_id}", methods=["DELETE"])
@api_view
def delete_board(board_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().boards.delete(principal.user.id, board_id)
    return Response("", status_code=204)


@bp.route("/v1/boards/{board_id}/images", methods=["PUT", "DELETE"])
@api_view
def board_images(board_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.BoardImagesRequest, bp.current_request)
    boards, ids = container().boards, list(body.image_ids)
    if bp.current_request.method == "PUT":
        board = boards.put_images(principal.user.id, board_id, ids)
    else:
        board = boards.remove_images(principal.user.id, board_id, ids)
    return Response(board_json(board))


@bp.route("/v1/images/{image_id}", methods=["GET"])
@api_view
def get_image(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    return Response(image_json(container().library.image(principal.user.id, image_id)))


@bp.route("/v1/images/{image_id}/lineage", methods=["GET"])
@api_view
def image_lineage(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    ancestors, descendants = container().library.lineage(principal.user.id, image_id)
    body: LineageBody = {"ancestors": [image_json(i) for i in ancestors],
                         "descendants": [image_json(i) for i in descendants]}
    return Response(body)


@bp.route("/v1/images/{image_id}", methods=["DELETE"])
@api_view
def delete_image(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().library.delete_one(principal.user.id, image_id)
    return Response("", status_code=204)


@bp.route("/v1/images/{image_id}/content", methods=["GET"])
@api_view
def image_content(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    library, params = container().library, _download_params()
    download = library.download(principal.user.id, image_id, *params, as_link=wants_link())
    return _binary(download, "private, max-age=31536000, immutable",
                   link=lambda: library.download(principal.user.id, image_id, *params, as_link=True))


@bp.route("/v1/images/{image_id}/thumbnail", methods=["GET"])
@api_view
def image_thumbnail(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    image, data = container().library.thumbnail(principal.user.id, image_id)
    download = Download("image/webp", "thumbnail.webp", f'"t{image.sha256.hex()[:31]}"', data=data)
    return _binary(download, "private, max-age=31536000, immutable", attachment=False)


@bp.route("/v1/images/{image_id}/favorite", methods=["PUT", "DELETE"])
@api_view
def favorite(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().library.favorite(principal.user.id, image_id, bp.current_request.method == "PUT")
    return Response("", status_code=204)


@bp.route("/v1/images/{image_id}/share", methods=["POST"])
@api_view
def share(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    slug, _ = container().library.share(principal.user.id, image_id)
    return Response(share_json(slug))


@bp.route("/v1/images/{image_id}/share", methods=["DELETE"])
@api_view
def unshare(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().library.unshare(principal.user.id, image_id)
    return Response("", status_code=204)


@bp.route("/v1/images/{image_id}/publish", methods=["POST"])
@api_view
def publish(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    slug, _ = container().library.publish(principal.user.id, image_id)
    return Response(share_json(slug, published=True))


@bp.route("/v1/images/{image_id}/publish", methods=["DELETE"])
@api_view
def unpublish(image_id: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    container().library.unpublish(principal.user.id, image_id)
    return Response("", status_code=204)


@bp.route("/v1/images/bulk", methods=["POST"])
@api_view
def bulk() -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.BulkRequest, bp.current_request)
    ids, library = list(body.ids), container().library
    if body.action == "delete":
        done = library.delete(principal.user.id, ids)
    else:
        done = library.set_favorite(principal.user.id, ids, body.action == "favorite")
    result: BulkResultBody = {"done": done}
    return Response(result)


@bp.route("/v1/images/download", methods=["POST"])
@api_view
def download_zip() -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_READ)
    body = bodies.parse(bodies.DownloadRequest, bp.current_request)
    ids, library = list(body.ids), container().library
    return _binary(library.zip(principal.user.id, ids, as_link=wants_link()), "private, no-store",
                   link=lambda: library.zip(principal.user.id, ids, as_link=True))


@bp.route("/v1/public/images/{slug}", methods=["GET"])
@api_view
def public_image(slug: str) -> Response:
    return Response(public_json(container().library.shared(slug)), headers={"Cache-Control": "public, no-cache"})


@bp.route("/v1/public/images/{slug}/content", methods=["GET"])
@api_view
def public_content(slug: str) -> Response:
    query = query_of(bp.current_request)
    library, fmt, width = container().library, query.get("format") or None, _int(query, "width")
    download = library.shared_download(slug, fmt, width, as_link=wants_link())
    # Revalidated, so unsharing stops it at once.
    return _binary(download, "public, no-cache", attachment=False,
                   link=lambda: library.shared_download(slug, fmt, width, as_link=True))


@bp.route("/v1/public/images/{slug}/thumbnail", methods=["GET"])
@api_view
def public_thumbnail(slug: str) -> Response:
    data = container().library.shared_thumbnail(slug)
    download = Download("image/webp", "thumbnail.webp", f'"t{hashlib.sha256(data).hexdigest()[:31]}"', data=data)
    return _binary(download, "public, no-cache", attachment=False)


@bp.route("/v1/public/images/{slug}/page", methods=["GET"])
@api_view
def public_page(slug: str) -> Response:
    """The share link: a page with Open Graph tags for link previews that sends people on to the app."""
    shared = container().library.shared(slug)
    base = container().settings.public_url
    title = html.escape(f"{shared.image.prompt or 'An image'} · Pixmint", quote=True)
    description = html.escape(f"Made with Pixmint by {shared.author} using {shared.image.model}.", quote=True)
    image_url = html.escape(f"{base}/v1/public/images/{slug}/content?format=jpeg&width=1200", quote=True)
    app_url = html.escape(f"{base}/s/{slug}", quote=True)
    image_alt = html.escape(alt_text(shared.image.prompt), quote=True)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<meta name="description" content="{description}">
<meta property="og:type" content="article"><meta property="og:site_name" content="Pixmint">
<meta property="og:title" content="{title}"><meta property="og:description" content="{description}">
<meta property="og:image" content="{image_url}"><meta property="og:image:alt" content="{image_alt}">
<meta property="og:url" content="{html.escape(share_url(slug), quote=True)}">
<meta name="twitter:card" content="summary_large_image">
<meta http-equiv="refresh" content="0; url={app_url}"><link rel="canonical" href="{app_url}"></head>
<body><p><a href="{app_url}">Open this image in Pixmint</a></p></body></html>"""
    return Response(page, headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=60",
                                   "Content-Security-Policy": "default-src 'none'; img-src 'self'"})


@bp.route("/v1/showcase", methods=["GET"])
@api_view
def showcase() -> Response:
    body: ShowcaseBody = {"items": [public_json(s) for s in container().library.showcase()]}
    return Response(body, headers={"Cache-Control": "public, max-age=60"})


@bp.route("/v1/community", methods=["GET"])
@api_view
def community() -> Response:
    request = bp.current_request
    limit, cursor = page_params(request)
    # Anyone may read it; a signed-in reader also learns which images they liked, in an answer nobody else caches.
    signed_in = has_credentials(request)
    viewer = authenticate(request, scopes=LIBRARY_READ).user.id if signed_in else None
    items, next_cursor = container().library.community(cursor, limit, query_of(request).get("q"), viewer)
    page: PublicImagePageBody = {"items": [public_json(s, liked=viewer is not None) for s in items],
                                 "next_cursor": next_cursor}
    return Response(page, headers={"Cache-Control": "private, no-store" if signed_in else "public, max-age=30"})


@bp.route("/v1/community/{slug}/like", methods=["PUT", "DELETE"])
@api_view
def like(slug: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    count, mine = container().library.like(principal.user.id, slug, bp.current_request.method == "PUT")
    likes: LikesBody = {"like_count": count, "liked_by_me": mine}
    return Response(likes)


@bp.route("/v1/community/{slug}/report", methods=["POST"])
@api_view
def report(slug: str) -> Response:
    principal = authenticate(bp.current_request, scopes=LIBRARY_WRITE)
    body = bodies.parse(bodies.ReportRequest, bp.current_request)
    container().library.report(principal.user.id, slug, body.reason, body.note)
    return Response(ACCEPTED, status_code=202)


@bp.schedule(Rate(1, unit=Rate.HOURS))
def housekeeping(event: Any) -> dict[str, int]:
    """Deletes uploads no generation used within a day, and throttle records no limit reads any more; grants the
    months of yearly subscriptions that have begun (billing, issue 18); hashes images stored before similar-image
    hashes existed (issue 21), a batch at a time."""
    result = run_housekeeping(container())
    logger.info("housekeeping", extra=result)
    return result


def run_housekeeping(services: Any) -> dict[str, int]:
    """The hourly chores, here and in the local stack's schedule alike."""
    return {**services.library.sweep_uploads(), **services.api_keys.prune_throttle_records(),
            **services.billing.grant_due_months(), **services.library.backfill_hashes(),
            **services.referrals.grant_due()}  # referral rewards whose holding period has passed (issue 18)
