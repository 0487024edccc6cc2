"""Balances, credit packs, Stripe Checkout, payments and the transaction history."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.idempotency import request_fingerprint
from . import bodies
from .api import api_view, authenticate, page_params
from .idempotency import answer_once, idempotency_key
from .responses import (
    CheckoutBody,
    CreditPacksBody,
    CreditsBody,
    PaymentPageBody,
    TransactionPageBody,
    entry_json,
    payment_json,
)

bp = Blueprint(__name__)


@bp.route("/v1/credits", methods=["GET"])
@api_view
def balance() -> Response:
    principal = authenticate(bp.current_request)
    current, pending = container().credits.balance(principal.user.id)
    body: CreditsBody = {"balance": current, "pending": pending}
    return Response(body)


@bp.route("/v1/credits/packs", methods=["GET"])
@api_view
def packs() -> Response:
    body: CreditPacksBody = {"items": [{"id": p.id, "credits": p.credits, "amount_cents": p.amount_cents,
                                        "currency": p.currency, "label": p.label} for p in container().credits.packs()]}
    return Response(body, headers={"Cache-Control": "public, max-age=60"})


@bp.route("/v1/credits/checkout", methods=["POST"])
@api_view
def checkout() -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.CheckoutRequest, bp.current_request)

    def start() -> CheckoutBody:
        session = container().credits.start_checkout(principal.user, body.pack_id, body.amount_cents,
                                                     idempotency_key(bp.current_request),
                                                     bp.current_request.headers.get("origin"))
        return {"checkout_id": session.id, "checkout_url": session.url}

    answer = answer_once(bp.current_request, principal.user.id, "checkout", request_fingerprint(body.given()), 201,
                         start)
    return Response(answer.body, status_code=answer.status)


@bp.route("/v1/credits/transactions", methods=["GET"])
@api_view
def transactions() -> Response:
    principal = authenticate(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    page = container().credits.transactions(principal.user.id, cursor, limit)
    body: TransactionPageBody = {"items": [entry_json(e) for e in page.items], "next_cursor": page.next_cursor}
    return Response(body)


@bp.route("/v1/credits/transactions/export", methods=["GET"])
@api_view
def transactions_export() -> Response:
    principal = authenticate(bp.current_request)
    text = container().credits.transactions_csv(principal.user.id)
    return Response(text, headers={"Content-Type": "text/csv; charset=utf-8",
                                   "Content-Disposition": 'attachment; filename="pixmint-transactions.csv"'})


@bp.route("/v1/credits/payments", methods=["GET"])
@api_view
def payments() -> Response:
    principal = authenticate(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    page = container().credits.payments(principal.user.id, cursor, limit)
    body: PaymentPageBody = {"items": [payment_json(p) for p in page.items], "next_cursor": page.next_cursor}
    return Response(body)


@bp.route("/v1/credits/payments/{checkout_id}", methods=["GET"])
@api_view
def payment(checkout_id: str) -> Response:
    principal = authenticate(bp.current_request)
    return Response(payment_json(container().credits.payment(principal.user.id, checkout_id)))
