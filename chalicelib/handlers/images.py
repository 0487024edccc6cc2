"""A user's images: metadata, the original bytes and thumbnails."""

from __future__ import annotations

import re

from chalice import Blueprint, Response

from ..bootstrap import container
from .api import api_view, authenticate
from .generations import image_json

bp = Blueprint(__name__)


def download_name(prompt: str | None, image_id: str, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (prompt or "image").lower()).strip("-")[:60].rstrip("-") or "image"
    return f"pixmint-{slug}-{image_id[:8]}.{extension}"


@bp.route("/v1/images/{image_id}", methods=["GET"])
@api_view
def get_image(image_id: str) -> Response:
    principal = authenticate(bp.current_request)
    return Response(image_json(container().generations.image(principal.user.id, image_id)))


@bp.route("/v1/images/{image_id}/content", methods=["GET"])
@api_view
def image_content(image_id: str) -> Response:
    principal = authenticate(bp.current_request)
    image, data = container().generations.image_bytes(principal.user.id, image_id)
    extension = image.content_type.split("/")[1].replace("jpeg", "jpg")
    return Response(data, headers={
        "Content-Type": image.content_type,
        "Content-Disposition": f'attachment; filename="{download_name(image.prompt, image.id, extension)}"',
        "Cache-Control": "private, max-age=31536000, immutable",
    })


@bp.route("/v1/images/{image_id}/thumbnail", methods=["GET"])
@api_view
def image_thumbnail(image_id: str) -> Response:
    principal = authenticate(bp.current_request)
    _, data = container().generations.image_bytes(principal.user.id, image_id, thumbnail=True)
    return Response(data, headers={"Content-Type": "image/webp", "Cache-Control": "private, max-age=31536000, immutable"})
