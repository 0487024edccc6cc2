"""The API's response bodies, built from domain objects: one function per shape, shared by every route."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ..domain.admin import AuditEntry, UserSummary
from ..domain.api_keys import ApiKey
from ..domain.catalogue import ModelSpec, Price, Rate
from ..domain.credits import LedgerEntry, Payment
from ..domain.generation import Generation, ImageRecord
from ..domain.library import SharedImage
from ..domain.model import Session
from ..domain.webhooks import Delivery, WebhookEndpoint


def rfc3339(moment: Any) -> str:

    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


def user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "credits": user.credits,
        "suspended": user.suspended,
        "email_verified": user.email_verified,
        "two_factor": user.two_factor,
        "created_at": rfc3339(user.created_at),
    }


def session_json(session: Session) -> dict[str, Any]:
    return {
        "user": user_json(session.user),
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
        "token_type": "Bearer",  # nosec B105 - the OAuth token type's name, not a secret
        "expires_in": session.tokens.expires_in,
    }


def image_json(image: ImageRecord) -> dict[str, Any]:
    return {
        "id": image.id, "generation_id": image.generation_id, "width": image.width, "height": image.height,
        "content_type": image.content_type, "bytes": image.bytes, "favorite": image.favorite,
        "shared": image.share_slug is not None, "published": image.published,
        "share_url": share_url(image.share_slug) if image.share_slug else None,
        "prompt": image.prompt, "model": image.model, "created_at": rfc3339(image.created_at),
        "alt": alt_text(image.prompt), "content_url": f"/v1/images/{image.id}/content",
        "thumbnail_url": f"/v1/images/{image.id}/thumbnail", "frames": image.frames, "has_alpha": image.has_alpha,
        "operation": image.operation, "parent_image_id": image.parent_image_id,
    }


def alt_text(prompt: str | None) -> str:
    if not prompt:
        return "Uploaded image"
    text = " ".join(prompt.split())
    return f"AI-generated image: {text[:240]}{'…' if len(text) > 240 else ''}"


def share_url(slug: str) -> str:
    from ..bootstrap import container

    return f"{container().settings.public_url}/v1/public/images/{slug}/page"


def public_json(shared: SharedImage, liked: bool = False) -> dict[str, Any]:
    image = shared.image
    base = f"/v1/public/images/{shared.slug}"
    body = {"slug": shared.slug, "prompt": image.prompt, "model": image.model, "width": image.width,
            "height": image.height, "alt": alt_text(image.prompt), "author": shared.author,
            "created_at": rfc3339(image.created_at), "shared_at": rfc3339(shared.shared_at),
            "share_url": share_url(shared.slug), "page_url": f"/s/{shared.slug}",
            "content_url": f"{base}/content", "thumbnail_url": f"{base}/thumbnail",
            "published": shared.published_at is not None, "published_at": _moment(shared.published_at),
            "like_count": shared.like_count}
    if liked:
        body["liked_by_me"] = shared.liked_by_me
    return body


def upload_json(image: ImageRecord) -> dict[str, Any]:
    return {"id": image.id, "width": image.width, "height": image.height, "content_type": image.content_type,
            "bytes": image.bytes}


def generation_json(g: Generation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": g.id, "status": g.status, "prompt": g.prompt, "negative_prompt": g.negative_prompt,
        "style_preset": g.style_preset, "model": g.model, "size": g.size, "quality": g.quality, "n": g.n,
        "cost_credits": g.cost_credits, "refunded_credits": g.refunded_credits,
        "source_image_id": g.source_image_id, "mask_image_id": g.mask_image_id,
        "background": g.background, "output_format": g.output_format, "frame_count": g.frame_count,
        "operation": g.operation, "parent_image_id": g.source_image_id,
        "outpaint": g.operation_params.get("outpaint"), "upscale": g.operation_params.get("upscale"),
        "images": [image_json(i) for i in g.images],
        "previews": [{"index": i, "url": f"/v1/generations/{g.id}/previews/{i}"} for i in g.previews],
        "usage": None if g.usage is None else {
            "input_text_tokens": g.usage.input_text_tokens, "input_image_tokens": g.usage.input_image_tokens,
            "output_image_tokens": g.usage.output_image_tokens},
        "created_at": rfc3339(g.created_at), "completed_at": rfc3339(g.completed_at) if g.completed_at else None,
    }
    if g.error:
        body["error"] = g.error
    if g.error_code:
        body["error_code"] = g.error_code
    return body


def model_json(spec: ModelSpec, prices: list[Price], rates: list[Rate], default: str | None) -> dict[str, Any]:
    return {
        "id": spec.id, "provider": spec.provider, "label": spec.label, "available": spec.available,
        "unavailable_reason": spec.unavailable_reason if not spec.available else None,
        "sizes": list(spec.sizes), "custom_sizes": spec.custom_sizes.as_dict() if spec.custom_sizes else None,
        "qualities": list(spec.qualities), "backgrounds": list(spec.backgrounds),
        "output_formats": list(spec.output_formats), "max_n": spec.max_n, "supports_edit": spec.supports_edit,
        "supports_mask": spec.supports_mask, "previews": spec.previews, "offline": spec.provider == "placeholder",
        "default": spec.id == default,
        "prices": [{"size": p.size, "quality": p.quality, "credits": p.credits} for p in prices],
        "rates": [{"unit": r.unit, "quality": r.quality, "credits": float(r.credits)} for r in rates],
    }


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {"id": str(entry.id), "kind": entry.kind, "delta": entry.delta, "balance_after": entry.balance_after,
            "reference": entry.reference, "created_at": rfc3339(entry.created_at),
            "generation_id": entry.generation_id, "image_id": entry.image_id, "payment_id": entry.payment_id}


def payment_json(payment: Payment) -> dict[str, Any]:
    return {"id": payment.checkout_session_id, "status": payment.status, "credits": payment.credits,
            "amount_cents": payment.amount_cents, "currency": payment.currency, "pack_id": payment.pack_id,
            "failure_reason": payment.failure_reason, "created_at": rfc3339(payment.created_at),
            "updated_at": rfc3339(payment.updated_at)}


def key_json(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "created_at": rfc3339(key.created_at),
            "last_used_at": rfc3339(key.last_used_at) if key.last_used_at else None,
            "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
            "rate_limit_per_minute": key.rate_limit_per_minute, "monthly_cap_credits": key.monthly_cap_credits,
            "used_this_month": key.used_this_month, "scopes": list(key.scopes),
            "allowed_models": None if key.allowed_models is None else list(key.allowed_models),
            "allowed_ips": None if key.allowed_ips is None else list(key.allowed_ips),
            "expires_at": rfc3339(key.expires_at) if key.expires_at else None}


def summary_json(summary: UserSummary) -> dict[str, Any]:
    return {**user_json(summary.user), "flagged": summary.flagged_at is not None, "flag_reason": summary.flag_reason,
            "flagged_at": rfc3339(summary.flagged_at) if summary.flagged_at else None,
            "usage": {"generations": summary.generations, "credits_spent": summary.credits_spent,
                      "credits_bought": summary.credits_bought,
                      "estimated_cost_usd": float(summary.estimated_cost_usd),
                      "actual_cost_usd": float(summary.actual_cost_usd),
                      "actual_margin_usd": round(summary.credits_spent / 100 - float(summary.actual_cost_usd), 6)}}


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": str(entry.id), "actor_email": entry.actor_email, "action": entry.action,
            "target_type": entry.target_type, "target_id": entry.target_id, "before": entry.before,
            "after": entry.after, "created_at": rfc3339(entry.created_at)}


def admin_model_json(spec: ModelSpec) -> dict[str, Any]:
    return {**model_json(spec, [], [], None), "enabled": spec.enabled, "position": spec.position,
            "unavailable_reason": spec.unavailable_reason, "replacement_model": spec.replacement_model,
            "fallback_model": spec.fallback_model,
            "token_rates": {"input_text": float(spec.token_rates.input_text),
                            "input_image": float(spec.token_rates.input_image),
                            "output_image": float(spec.token_rates.output_image)}}


def endpoint_json(endpoint: WebhookEndpoint, with_secret: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events), "description": endpoint.description,
        "low_credits_threshold": endpoint.low_credits_threshold, "created_at": rfc3339(endpoint.created_at),
        "enabled": endpoint.enabled, "disabled_at": _moment(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason, "failing_since": _moment(endpoint.failing_since),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id, "event_type": delivery.event_type, "state": delivery.state,
        "attempts": delivery.attempts, "last_status": delivery.last_status, "last_error": delivery.last_error,
        "next_attempt_at": _moment(delivery.next_attempt_at),
        "last_attempt_at": _moment(delivery.last_attempt_at),
        "delivered_at": _moment(delivery.delivered_at), "failed_at": _moment(delivery.failed_at),
        "created_at": rfc3339(delivery.created_at),
    }
