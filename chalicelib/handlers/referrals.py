"""Referrals (issue 18): your code, link and what they brought; the rewards themselves are granted by the hourly
housekeeping schedule."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from .api import api_view, authenticate
from .responses import referrals_json

bp = Blueprint(__name__)


@bp.route("/v1/referrals", methods=["GET"])
@api_view
def referrals() -> Response:
    principal = authenticate(bp.current_request, allow_api_key=False)
    return Response(referrals_json(container().referrals.summary(principal.user)))
