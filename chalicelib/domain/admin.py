"""Administration: users, credits, prices and settings, presets and templates; every change is audited."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .billing import Plan
from .catalogue import ModelSpec
from .credits import LedgerEntry
from .errors import Conflict, InvalidRequest, NotFound
from .ids import is_uuid
from .model import Principal, Role, User
from .paging import decode_id_cursor, page_of
from .ports import AdminUnitOfWork

POSITION_LIMIT = 1_000_000  # list order; the column is a 32-bit integer

# (kind, low, high): a boolean setting has no bounds.
SETTINGS: dict[str, tuple[type, Any, Any]] = {"signup_bonus": (int, 0, 1_000_000),
                                              "daily_spend_cap": (int, 1, 10_000_000),
                                              "provider_fallback": (bool, None, None),
                                              "upload_quota_bytes": (int, 0, 100 * 1024**3),
                                              "invite_only": (bool, None, None),
                                              # referrals (issue 18): rewards, holding period, cap per month
                                              "referral_reward_referrer": (int, 0, 100_000),
                                              "referral_reward_referred": (int, 0, 100_000),
                                              "referral_holding_days": (int, 0, 365),
                                              "referral_monthly_cap": (int, 0, 10_000)}

PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # as migration 0019 checks it


@dataclass(frozen=True)
class UserSummary:
    """A user as the admin list shows them: flag, activity, credits and what their generations cost in USD."""

    user: User
    flagged_at: datetime | None
    flag_reason: str | None
    generations: int
    credits_spent: int
    credits_bought: int
    estimated_cost_usd: Decimal = Decimal(0)
    actual_cost_usd: Decimal = Decimal(0)


@dataclass(frozen=True)
class AuditEntry:
    """One admin action with the target's values before and after."""

    id: int
    actor_email: str
    action: str
    target_type: str
    target_id: str | None
    before: Any
    after: Any
    created_at: datetime




class AdminService:
    """The admins' use cases; each change is audited in the transaction that makes it."""

    def __init__(self, uow: Callable[[], AdminUnitOfWork], clock: Any, events: Any = None) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events  # WebhookEvents: an adjustment may take the balance across a credits.low threshold

    def users(self, q: str | None, cursor: str | None, limit: int) -> tuple[list[UserSummary], str | None]:
        """A page of users matching q, flagged first, and the cursor of the next page."""
        offset = decode_id_cursor(cursor) if cursor else 0
        with self._uow() as uow:
            rows = uow.admin.users(q, offset, limit + 1)
        return page_of(rows, limit, lambda _: (offset + limit,))

    def user(self, user_id: str) -> UserSummary:
        """One user's summary; raises NotFound."""
        with self._uow() as uow:
            found = uow.admin.user(user_id) if is_uuid(user_id) else None
        if found is None:
            raise NotFound("No such user.")
        return found

    def update_user(self, actor: Principal, user_id: str, suspended: bool | None, role: str | None) -> UserSummary:
        """Suspends, restores or changes the role of a user; raises InvalidRequest (field role), NotFound, or Conflict
        when admins would suspend or demote themselves."""
        new_role = None
        if role is not None:
            try:
                new_role = Role(role)
            except ValueError:
                raise InvalidRequest("role is user or admin.", {"field": "role"}) from None
        before = self.user(user_id)
        if user_id == actor.user.id and (suspended or new_role is Role.USER):
            raise Conflict("You cannot suspend or demote yourself; ask another admin.")
        with self._uow() as uow:
            uow.admin.set_user(user_id, suspended, new_role)
            after = uow.admin.user(user_id)
            assert after is not None  # self.user() found it, and users are not deleted by set_user
            uow.admin.audit(actor.user, "user.update", "user", user_id, _user_state(before), _user_state(after),
                            self._clock.now())
            uow.commit()
        return after

    def adjust_credits(self, actor: Principal, user_id: str, delta: int, reason: str) -> LedgerEntry:
        """Grants or debits credits with a reason; raises InvalidRequest (field reason or delta), NotFound, or Conflict
        when a debit would take the balance below zero."""
        reason = " ".join(reason.split())
        if not 3 <= len(reason) <= 500:
            raise InvalidRequest("Give a reason of 3 to 500 characters.", {"field": "reason"})
        if delta == 0 or abs(delta) > 10_000_000:
            raise InvalidRequest("delta is a non-zero number of credits up to 10,000,000.", {"field": "delta"})
        self.user(user_id)
        now = self._clock.now()
        reference = f"admin:{uuid.uuid4()}:{reason}"[:300]
        with self._uow() as uow:
            before = uow.ledger.balance(user_id)
            if delta > 0:
                uow.ledger.credit(user_id, delta, "admin_grant", reference, actor.user.id, now)
            elif uow.ledger.spend(user_id, -delta, "admin_debit", reference, actor.user.id, now) is None:
                raise Conflict(f"The balance is {before}; a debit cannot take it below zero.",
                               {"balance": before})
            entry = uow.ledger.entries(user_id, None, 1)[0]
            uow.admin.audit(actor.user, "credits.adjust", "user", user_id, {"balance": before},
                            {"balance": entry.balance_after, "delta": delta, "reason": reason}, now)
            if self._events is not None:
                self._events.balance_changed(uow, user_id)
            uow.commit()
        return entry

    def pricing(self) -> list[dict[str, Any]]:
        """Every image price, in model display order."""
        with self._uow() as uow:
            return uow.admin.pricing()

    def rates(self) -> list[dict[str, Any]]:
        """Every token rate, in model display order."""
        with self._uow() as uow:
            return uow.admin.rates()

    def set_pricing(self, actor: Principal, items: list[Any], rates: list[Any] | None = None
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Upserts the listed rows; only new requests see the new prices (a generation keeps its quote)."""
        rates = rates or []
        if not 1 <= len(items) + len(rates) <= 500:
            raise InvalidRequest("Send 1 to 500 price rows.", {"field": "items"})
        with self._uow() as uow:
            models = {m.id: m for m in uow.catalog.models(include_disabled=True)}
            rows = [_price_row(item, index, models) for index, item in enumerate(items)]
            rate_rows = [_rate_row(item, index, models) for index, item in enumerate(rates)]
            before, rates_before = uow.admin.pricing(), uow.admin.rates()
            for row in rows:
                uow.admin.upsert_price(*row)
            for rate in rate_rows:
                uow.admin.upsert_rate(*rate)
            after, rates_after = uow.admin.pricing(), uow.admin.rates()
            uow.admin.audit(actor.user, "pricing.update", "pricing", None,
                            [p for p in before if (p["model"], p["size"], p["quality"]) in _keys(rows)]
                            + [r for r in rates_before if (r["model"], r["unit"], r["quality"]) in _keys(rate_rows)],
                            [p for p in after if (p["model"], p["size"], p["quality"]) in _keys(rows)]
                            + [r for r in rates_after if (r["model"], r["unit"], r["quality"]) in _keys(rate_rows)],
                            self._clock.now())
            uow.commit()
        return after, rates_after

    def models(self) -> list[ModelSpec]:
        """Every model, disabled ones included."""
        with self._uow() as uow:
            return uow.catalog.models(include_disabled=True)

    def update_model(self, actor: Principal, model_id: str, changes: dict[str, Any]) -> ModelSpec:
        """Edits a catalogue row: switch it on or off, mark it available again, point it at a replacement, price its
        tokens. A model that its provider withdrew stays unavailable until an admin says otherwise."""
        if not changes:
            raise InvalidRequest("Send at least one change.", {"field": "enabled"})
        values = _model_changes(changes)
        with self._uow() as uow:
            models = {m.id: m for m in uow.catalog.models(include_disabled=True)}
            current = models.get(model_id)
            if current is None:
                raise NotFound("No such model.")
            replacement = models.get(values.get("replacement_model") or "")
            if values.get("replacement_model") and (replacement is None or replacement.id == current.id
                                                     or not replacement.available):
                raise InvalidRequest("The replacement is another model that is available.",
                                     {"field": "replacement_model"})
            uow.admin.update_model(model_id, values)
            after = {m.id: m for m in uow.catalog.models(include_disabled=True)}[model_id]
            uow.admin.audit(actor.user, "model.update", "model", model_id, _model_state(current, values),
                            _model_state(after, values), self._clock.now())
            uow.commit()
        return after

    def settings(self) -> dict[str, Any]:
        """Every stored setting, plus each model's enabled flag."""
        with self._uow() as uow:
            return uow.admin.settings()

    def update_settings(self, actor: Principal, changes: dict[str, Any]) -> dict[str, Any]:
        """Stores the changed settings (keys of SETTINGS) and returns them all; raises InvalidRequest naming a value out
        of range; daily_spend_cap may be None."""
        for key, value in changes.items():
            kind, low, high = SETTINGS[key]
            if value is None and key == "daily_spend_cap":
                continue
            if (kind is bool and not isinstance(value, bool)) or (kind is int and (
                    isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high)):
                raise InvalidRequest(f"{key} is out of range.", {"field": key, "min": low, "max": high})
        with self._uow() as uow:
            before = uow.admin.settings()
            for key, value in changes.items():
                uow.admin.set_setting(key, value)
            after = uow.admin.settings()
            uow.admin.audit(actor.user, "settings.update", "settings", None,
                            {k: before.get(k) for k in changes}, {k: after.get(k) for k in changes}, self._clock.now())
            uow.commit()
        return after

    def set_model_enabled(self, actor: Principal, model: str, enabled: bool) -> None:
        """Raises NotFound when there is no such model."""
        with self._uow() as uow:
            if not uow.admin.set_model_enabled(model, enabled):
                raise NotFound("No such model.")
            uow.admin.audit(actor.user, "model.update", "model", model, {"enabled": not enabled},
                            {"enabled": enabled}, self._clock.now())
            uow.commit()

    def upsert(self, actor: Principal, kind: str, item_id: str, values: dict[str, Any]) -> None:
        """Creates or changes a style preset, prompt template or credit pack."""
        if not item_id or len(item_id) > 40 or not all(c.isalnum() or c in "-_" for c in item_id):
            raise InvalidRequest("The id is 1 to 40 letters, digits, - or _.", {"field": "id"})
        with self._uow() as uow:
            if kind == "style_preset":
                uow.admin.upsert_preset(item_id, values["label"], values["prompt_suffix"], values.get("position", 0),
                                        values.get("active", True))
            elif kind == "prompt_template":
                variables = sorted({part.split("}")[0] for part in values["template"].split("{")[1:]})
                if not variables or any(not v.isidentifier() for v in variables):
                    raise InvalidRequest("A template names its blanks like {subject}.", {"field": "template"})
                uow.admin.upsert_template(item_id, values["label"], values["template"], variables,
                                          values.get("position", 0), values.get("active", True))
            else:
                if not 100 <= values["amount_cents"] <= 100_000 or not 1 <= values["credits"] <= 10_000_000:
                    raise InvalidRequest("Packs cost $1 to $1,000 and hold 1 to 10,000,000 credits.",
                                         {"field": "amount_cents"})
                uow.admin.upsert_pack(item_id, values["label"], values["credits"], values["amount_cents"],
                                      values.get("position", 0), values.get("active", True))
            uow.admin.audit(actor.user, f"{kind}.upsert", kind, item_id, None, values, self._clock.now())
            uow.commit()

    def plans(self) -> list[Plan]:
        """Every subscription plan, on sale or not, in display order."""
        with self._uow() as uow:
            return uow.admin.plans()

    def upsert_plan(self, actor: Principal, plan_id: str, values: dict[str, Any]) -> Plan:
        """Creates or changes a plan and audits before and after. A new price or allowance applies to checkouts and
        invoices from now on; a plan's interval is fixed once made (Conflict), since its grants are counted by it."""
        if not PLAN_ID.fullmatch(plan_id):
            raise InvalidRequest("A plan id is 1 to 63 lowercase letters, digits or -, not starting with -.",
                                 {"field": "id"})
        with self._uow() as uow:
            before = next((p for p in uow.admin.plans() if p.id == plan_id), None)
            if before is not None and values["interval"] != before.interval:
                raise Conflict("A plan's interval cannot change; make a new plan and retire this one.",
                               {"field": "interval", "interval": before.interval})
            plan = Plan(id=plan_id, name=values["name"], interval=values["interval"],
                        amount_cents=values["amount_cents"], currency=before.currency if before else "usd",
                        monthly_credits=values["monthly_credits"],
                        pack_discount_percent=values.get("pack_discount_percent", 0),
                        queue_priority=values.get("queue_priority", False),
                        premium_models=values.get("premium_models", False),
                        parallel_generations=values.get("parallel_generations", 1),
                        active=values.get("active", True), position=values.get("position", 0))
            uow.admin.upsert_plan(plan)
            uow.admin.audit(actor.user, "plan.upsert", "plan", plan_id, asdict(before) if before else None,
                            asdict(plan), self._clock.now())
            uow.commit()
        return plan

    def hide_from_community(self, actor: Principal, image_id: str, hidden: bool) -> None:
        """Hides a shared image from the community feed or shows it again; raises NotFound when no shared image has that
        id."""
        with self._uow() as uow:
            if not (is_uuid(image_id) and uow.library.hide_from_community(image_id, hidden)):
                raise NotFound("No such shared image.")
            uow.admin.audit(actor.user, "community.hide" if hidden else "community.show", "image", image_id,
                            {"hidden": not hidden}, {"hidden": hidden}, self._clock.now())
            uow.commit()

    def audit_log(self, cursor: str | None, limit: int) -> tuple[list[AuditEntry], str | None]:
        """A page of audit entries, newest first, and the cursor of the next page."""
        with self._uow() as uow:
            rows = uow.admin.audit_log(decode_id_cursor(cursor) if cursor else None, limit + 1)
        return page_of(rows, limit, lambda entry: (entry.id,))


def _keys(rows: list[tuple]) -> set[tuple[str, str, str]]:
    return {(r[0], r[1], r[2]) for r in rows}


def _price_row(item: Any, index: int, models: dict[str, Any]) -> tuple[str, str, str, int, Decimal]:
    field = f"items[{index}]"
    if not isinstance(item, dict) or set(item) - {"model", "size", "quality", "credits", "provider_cost_usd"}:
        raise InvalidRequest("Each row is {model, size, quality, credits, provider_cost_usd}.", {"field": field})
    model_id: Any = item.get("model")  # any JSON value (a list or an object is unhashable); only an id finds one
    model = models.get(model_id) if isinstance(model_id, str) else None
    if model is None:
        raise InvalidRequest("There is no such model.", {"field": f"{field}.model"})
    if item.get("size") not in model.sizes:
        raise InvalidRequest(f"{model.label} has no such size.", {"field": f"{field}.size"})
    if item.get("quality") not in model.qualities:
        raise InvalidRequest(f"{model.label} has no such quality.", {"field": f"{field}.quality"})
    credits = item.get("credits")
    if isinstance(credits, bool) or not isinstance(credits, int) or not 1 <= credits <= 100_000:
        raise InvalidRequest("credits is a whole number from 1 to 100,000.", {"field": f"{field}.credits"})
    try:
        cost = Decimal(str(item.get("provider_cost_usd")))
    except InvalidOperation:
        raise InvalidRequest("provider_cost_usd is a number of US dollars.", {"field": f"{field}.provider_cost_usd"}) \
            from None
    if (not cost.is_finite() or not Decimal(0) <= cost <= Decimal(1000)
            or isinstance(item.get("provider_cost_usd"), bool)):
        raise InvalidRequest("provider_cost_usd is from 0 to 1000.", {"field": f"{field}.provider_cost_usd"})
    return model.id, item["size"], item["quality"], credits, cost


def _rate_row(item: Any, index: int, models: dict[str, Any]) -> tuple[str, str, str, Decimal, Decimal]:
    field = f"rates[{index}]"
    if not isinstance(item, dict) or set(item) - {"model", "unit", "quality", "credits", "provider_cost_usd"}:
        raise InvalidRequest("Each rate is {model, unit, quality, credits, provider_cost_usd}.", {"field": field})
    for name in ("model", "unit", "quality"):
        if not isinstance(item.get(name), str):
            raise InvalidRequest(f"{name} is a string.", {"field": f"{field}.{name}"})
    model = models.get(item["model"])
    if model is None:
        raise InvalidRequest("There is no such model.", {"field": f"{field}.model"})
    unit = item.get("unit")
    if (unit == "megapixel" and model.custom_sizes is None) or (unit == "frame" and "gif" not in model.output_formats) \
            or unit not in ("megapixel", "frame"):
        raise InvalidRequest(f"{model.label} has no such unit to price.", {"field": f"{field}.unit"})
    if item.get("quality") not in model.qualities:
        raise InvalidRequest(f"{model.label} has no such quality.", {"field": f"{field}.quality"})
    credits = _money(item.get("credits"), f"{field}.credits", Decimal("0.001"), Decimal(100_000), "credits")
    cost = _money(item.get("provider_cost_usd"), f"{field}.provider_cost_usd", Decimal(0), Decimal(1000),
                  "provider_cost_usd")
    return model.id, unit, item["quality"], credits, cost


def _money(raw: Any, field: str, low: Decimal, high: Decimal, name: str) -> Decimal:
    try:
        value = Decimal(str(raw)) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not low <= value <= high:
        raise InvalidRequest(f"{name} is a number from {low} to {high:,}.", {"field": field})
    return value


MODEL_FIELDS: dict[str, type[Any]] = {"enabled": bool, "available": bool, "label": str, "position": int,
                                      "replacement_model": str, "token_rates": dict}
TOKEN_RATE_FIELDS = {"input_text": "usd_per_mtok_input_text", "input_image": "usd_per_mtok_input_image",
                     "output_image": "usd_per_mtok_output_image"}


def _model_changes(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in changes.items():
        kind = MODEL_FIELDS.get(name)
        if kind is None:
            raise InvalidRequest(f"Unknown field: {name}.", {"field": name})
        if name == "replacement_model" and value is None:
            values[name] = None
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InvalidRequest(f"{name} has the wrong type.", {"field": name})
        if name == "label" and not 1 <= len(value.strip()) <= 80:
            raise InvalidRequest("label is 1 to 80 characters.", {"field": name})
        if name == "position" and not -POSITION_LIMIT <= value <= POSITION_LIMIT:
            raise InvalidRequest(f"position is from -{POSITION_LIMIT:,} to {POSITION_LIMIT:,}.", {"field": name})
        if name == "token_rates":
            for rate_name, raw in value.items():
                column = TOKEN_RATE_FIELDS.get(rate_name)
                if column is None:
                    raise InvalidRequest(f"Unknown token rate: {rate_name}.", {"field": f"token_rates.{rate_name}"})
                values[column] = _money(raw, f"token_rates.{rate_name}", Decimal(0), Decimal(10_000), rate_name)
            continue
        values[name] = value.strip() if isinstance(value, str) else value
    return values


def _model_state(spec: ModelSpec, values: dict[str, Any]) -> dict[str, Any]:
    state = {"enabled": spec.enabled, "available": spec.available, "label": spec.label, "position": spec.position,
             "replacement_model": spec.replacement_model,
             "usd_per_mtok_input_text": spec.token_rates.input_text,
             "usd_per_mtok_input_image": spec.token_rates.input_image,
             "usd_per_mtok_output_image": spec.token_rates.output_image}
    return {k: v for k, v in state.items() if k in values}


def _user_state(summary: UserSummary) -> dict[str, Any]:
    return {"suspended": summary.user.suspended, "role": summary.user.role.value}

