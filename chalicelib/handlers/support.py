"""The support desk (issue 22): the contact form, the customer's tickets, and the admins' queue, replies and refunds."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.generation import GenerationFilters
from . import bodies
from .api import api_view, authenticate, client_ip, optional_principal, page_params, query_of, require_admin
from .responses import (
    entry_json,
    generation_json,
    payment_json,
    summary_json,
    support_message_json,
    ticket_json,
)

bp = Blueprint(__name__)
CONTEXT_ITEMS = 10  # the account's recent generations and payments a ticket shows support


@bp.route("/v1/support/tickets", methods=["POST"])
@api_view
def open_ticket() -> Response:
    principal = optional_principal(bp.current_request)
    body = bodies.parse(bodies.TicketRequest, bp.current_request)
    if body.website:  # the field people never see: a bot filled it in; it is told what a person would be
        return Response({"id": "00000000-0000-4000-8000-000000000000", "status": "open"}, status_code=201)
    ticket = container().support.open_ticket(principal.user if principal else None, body.email, body.subject,
                                             body.message, client_ip(bp.current_request), body.page)
    return Response({"id": ticket.id, "status": ticket.status}, status_code=201)


@bp.route("/v1/support/tickets", methods=["GET"])
@api_view
def my_tickets() -> Response:
    principal = authenticate(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    items, next_cursor = container().support.tickets(principal.user, cursor, limit)
    return Response({"items": [ticket_json(t) for t in items], "next_cursor": next_cursor})


@bp.route("/v1/support/tickets/{ticket_id}/messages", methods=["POST"])
@api_view
def follow_up(ticket_id: str) -> Response:
    principal = authenticate(bp.current_request)
    body = bodies.parse(bodies.SupportMessageRequest, bp.current_request)
    sent = container().support.follow_up(principal.user, ticket_id, body.message)
    return Response(support_message_json(sent), status_code=201)


@bp.route("/v1/admin/support/tickets", methods=["GET"])
@api_view
def queue() -> Response:
    require_admin(bp.current_request)
    limit, cursor = page_params(bp.current_request)
    status = query_of(bp.current_request).get("status") or None
    items, next_cursor = container().support.queue(status, cursor, limit)
    return Response({"items": [ticket_json(t) for t in items], "next_cursor": next_cursor})


@bp.route("/v1/admin/support/tickets/{ticket_id}", methods=["GET"])
@api_view
def ticket_detail(ticket_id: str) -> Response:
    require_admin(bp.current_request)
    services = container()
    context = services.support.context(ticket_id)
    account = None
    if context.user is not None:
        summary = services.admin.user(context.user.id)
        generations, _ = services.generations.list(context.user.id, GenerationFilters(), None, CONTEXT_ITEMS)
        payments = services.credits.payments(context.user.id, None, CONTEXT_ITEMS).items
        account = {"user": summary_json(summary), "matched_by": context.matched_by,
                   "generations": [generation_json(g) for g in generations],
                   "payments": [payment_json(p) for p in payments]}
    return Response({**ticket_json(context.ticket), "account": account})


@bp.route("/v1/admin/support/tickets/{ticket_id}", methods=["PATCH"])
@api_view
def set_status(ticket_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.TicketStatusChange, bp.current_request)
    return Response(ticket_json(container().support.set_status(principal, ticket_id, body.status)))


@bp.route("/v1/admin/support/tickets/{ticket_id}/replies", methods=["POST"])
@api_view
def reply(ticket_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.SupportReply, bp.current_request)
    sent = container().support.reply(principal, ticket_id, body.message, close=bool(body.close))
    return Response(support_message_json(sent), status_code=201)


@bp.route("/v1/admin/support/tickets/{ticket_id}/refunds", methods=["POST"])
@api_view
def refund(ticket_id: str) -> Response:
    principal = require_admin(bp.current_request)
    body = bodies.parse(bodies.SupportRefund, bp.current_request)
    entry = container().support.refund_generation(principal, ticket_id, body.generation_id)
    return Response(entry_json(entry), status_code=201)
