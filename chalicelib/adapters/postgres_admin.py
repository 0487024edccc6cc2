"""PostgreSQL adapters for API keys and administration."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from ..domain.admin import AuditEntry, UserSummary
from ..domain.api_keys import ApiKey, KeyBudget, KeyLimits
from ..domain.billing import Plan
from ..domain.model import Role, User
from .postgres_billing import PLAN_COLUMNS
from .postgres_rows import USER_COLUMNS, user_from_row

_KEY_FIELDS = (("k.id::text", "id"), ("k.user_id::text", "user_id"), ("k.name", "name"), ("k.prefix", "prefix"),
               ("k.rate_limit_per_minute", "rate_limit_per_minute"), ("k.monthly_cap_credits", "monthly_cap_credits"),
               ("k.gateway_key_id", "gateway_key_id"), ("k.created_at", "created_at"),
               ("k.last_used_at", "last_used_at"), ("k.revoked_at", "revoked_at"), ("k.scopes", "scopes"),
               ("k.allowed_models", "allowed_models"), ("k.allowed_ips::text[]", "allowed_ips"),
               ("k.expires_at", "expires_at"))
_KEY_COLUMNS = ", ".join(f"{expression} AS {name}" for expression, name in _KEY_FIELDS)
_KEY_PREFIXED = ", ".join(f"{expression} AS k_{name}" for expression, name in _KEY_FIELDS)  # beside the user's
_MONTH_USAGE = """(SELECT coalesce(sum(g.cost_credits - g.refunded_credits), 0) FROM generations g
                   WHERE g.api_key_id = k.id AND g.created_at >= %(month)s)"""


def _key(row: dict[str, Any], prefix: str = "") -> ApiKey:
    """An ApiKey from a row of _KEY_COLUMNS (each name optionally prefixed); arrays become tuples."""
    values = {name: row[prefix + name] for name in ApiKey.__dataclass_fields__ if prefix + name in row}
    for name in ("scopes", "allowed_models", "allowed_ips"):
        if values.get(name) is not None:
            values[name] = tuple(values[name])
    return ApiKey(**values)


class PostgresAccountFlags:
    """Marks on accounts for an admin's review."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def flag(self, user_id: str, reason: str, now: datetime) -> None:
        """Flags the account for review with the latest reason; flagged_at keeps the first flag's time."""
        self._conn.execute(
            "UPDATE users SET flagged_at = coalesce(flagged_at, %s), flag_reason = %s WHERE id = %s",
            (now, reason, user_id),
        )


class PostgresApiKeys:
    """Developer API keys (only their hashes), their per-minute request windows and monthly spend."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, user_id: str, name: str, prefix: str, key_hash: bytes, limits: KeyLimits, now: datetime) -> ApiKey:
        """Stores a new key with its limits and returns it; limits.rate_limit must be filled in."""
        row = self._conn.execute(
            f"""INSERT INTO api_keys AS k (user_id, name, prefix, key_hash, rate_limit_per_minute, monthly_cap_credits,
                                           created_at, scopes, allowed_models, allowed_ips, expires_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::cidr[], %s) RETURNING {_KEY_COLUMNS}""",
            (user_id, name, prefix, key_hash, limits.rate_limit, limits.monthly_cap, now, list(limits.scopes or ()),
             None if limits.allowed_models is None else list(limits.allowed_models),
             None if limits.allowed_ips is None else list(limits.allowed_ips), limits.expires_at),
        ).fetchone()
        assert row is not None
        return _key(row)

    def for_user(self, user_id: str, month_start: datetime) -> list[ApiKey]:
        """The user's keys with the credits each used since month_start, live ones first, newest first."""
        rows = self._conn.execute(
            f"""SELECT {_KEY_COLUMNS}, {_MONTH_USAGE} AS used_this_month FROM api_keys k
                WHERE k.user_id = %(user)s ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC""",
            {"user": user_id, "month": month_start},
        ).fetchall()
        return [_key(row) for row in rows]

    def count_active(self, user_id: str) -> int:
        """The user's keys that are not revoked."""
        row = self._conn.execute("SELECT count(*) AS n FROM api_keys WHERE user_id = %s AND revoked_at IS NULL",
                                 (user_id,)).fetchone()
        assert row is not None
        return int(row["n"])

    def revoke(self, user_id: str, key_id: str, now: datetime) -> ApiKey | None:
        """Revokes the user's key (a revoked one keeps its first time) and returns it; None when not theirs."""
        row = self._conn.execute(
            f"""UPDATE api_keys AS k SET revoked_at = coalesce(revoked_at, %s) WHERE id = %s AND user_id = %s
                RETURNING {_KEY_COLUMNS}""",
            (now, key_id, user_id),
        ).fetchone()
        return None if row is None else _key(row)

    def set_gateway_key(self, key_id: str, gateway_key_id: str) -> None:
        """Records the API Gateway key that mirrors this key."""
        self._conn.execute("UPDATE api_keys SET gateway_key_id = %s WHERE id = %s", (gateway_key_id, key_id))

    def by_hash(self, key_hash: bytes) -> tuple[ApiKey, User] | None:
        """The key with that hash and its owner, revoked or not; None when there is none."""
        row = self._conn.execute(
            f"""SELECT {USER_COLUMNS}, {_KEY_PREFIXED}
                FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = %s""",
            (key_hash,),
        ).fetchone()
        if row is None:
            return None
        key = _key(row, "k_")
        user = user_from_row(row)
        assert user is not None
        return key, user

    def count_request(self, key_id: str, window_start: datetime, now: datetime) -> int:
        """Counts one request in the key's minute window and returns the window's total; records the key's last use."""
        row = self._conn.execute(
            """INSERT INTO api_key_windows (key_id, window_start, requests) VALUES (%s, %s, 1)
               ON CONFLICT (key_id, window_start) DO UPDATE SET requests = api_key_windows.requests + 1
               RETURNING requests""",
            (key_id, window_start),
        ).fetchone()
        assert row is not None
        self._conn.execute("UPDATE api_keys SET last_used_at = %s WHERE id = %s", (now, key_id))
        return int(row["requests"])

    def prune_windows(self, before: datetime, limit: int) -> int:
        """Deletes up to `limit` per-minute windows that started before `before`; returns how many."""
        return self._conn.execute(
            """DELETE FROM api_key_windows WHERE (key_id, window_start) IN (
                   SELECT key_id, window_start FROM api_key_windows WHERE window_start < %s LIMIT %s)""",
            (before, limit),
        ).rowcount

    def lock_usage(self, key_id: str, month_start: datetime) -> KeyBudget | None:
        """Locks the key for the transaction, then reads its limits and the credits used this month as committed once
        the lock is held; None for an unknown key."""
        row = self._conn.execute(
            """SELECT monthly_cap_credits, allowed_models, expires_at, revoked_at IS NOT NULL AS revoked
               FROM api_keys WHERE id = %s FOR NO KEY UPDATE""",
            (key_id,),
        ).fetchone()
        if row is None:
            return None
        # A statement of its own: READ COMMITTED snapshots each statement, so this one, taken after the lock, sees
        # every spend committed by whoever held the lock before (one statement would sum a snapshot from before it).
        used = self._conn.execute(
            f"SELECT {_MONTH_USAGE} AS used FROM api_keys k WHERE k.id = %(key)s",
            {"key": key_id, "month": month_start},
        ).fetchone()
        assert used is not None
        models = row["allowed_models"]
        return KeyBudget(row["monthly_cap_credits"], int(used["used"]), None if models is None else tuple(models),
                         row["expires_at"], row["revoked"])


_SUMMARY = f"""SELECT {USER_COLUMNS}, u.flagged_at, u.flag_reason,
    (SELECT count(*) FROM generations g WHERE g.user_id = u.id) AS generations,
    (SELECT coalesce(-sum(delta), 0) FROM ledger l
        WHERE l.user_id = u.id AND l.kind IN ('generation', 'generation_refund')) AS credits_spent,
    (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.user_id = u.id AND l.kind = 'purchase') AS credits_bought,
    c.estimated_cost_usd, c.actual_cost_usd
    FROM users u
    CROSS JOIN LATERAL (SELECT coalesce(sum(g.provider_cost_usd), 0) AS estimated_cost_usd,
                               coalesce(sum(coalesce(g.actual_cost_usd, g.provider_cost_usd)), 0) AS actual_cost_usd
                        FROM generations g WHERE g.user_id = u.id) c"""


def _summary(row: dict[str, Any]) -> UserSummary:
    user = user_from_row(row)
    assert user is not None
    return UserSummary(user, row["flagged_at"], row["flag_reason"], int(row["generations"]), int(row["credits_spent"]),
                       int(row["credits_bought"]), row["estimated_cost_usd"], row["actual_cost_usd"])


MODEL_EDITABLE = ("enabled", "available", "label", "position", "replacement_model", "usd_per_mtok_input_text",
                  "usd_per_mtok_input_image", "usd_per_mtok_output_image")


class PostgresAdmin:
    """The admins' reads and writes: users, prices, rates, models, presets, templates, packs, settings and the audit
    log."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def users(self, q: str | None, after: int, limit: int) -> list[UserSummary]:
        """Users whose email or display name contains q (all when None), flagged first, then newest; offset
        pagination."""
        rows = self._conn.execute(
            f"""{_SUMMARY}
                WHERE %(q)s::text IS NULL OR u.email ILIKE %(like)s OR u.display_name ILIKE %(like)s
                ORDER BY u.flagged_at IS NULL, u.flagged_at DESC, u.created_at DESC, u.id
                OFFSET %(offset)s LIMIT %(limit)s""",
            {"q": q, "like": f"%{_escape_like(q or '')}%", "offset": after, "limit": limit},
        ).fetchall()
        return [_summary(row) for row in rows]

    def user(self, user_id: str) -> UserSummary | None:
        """One user's summary, or None."""
        row = self._conn.execute(f"{_SUMMARY} WHERE u.id = %s", (user_id,)).fetchone()
        return None if row is None else _summary(row)

    def set_user(self, user_id: str, suspended: bool | None, role: Role | None) -> None:
        """Sets suspension and role; None leaves that field as it is."""
        self._conn.execute(
            """UPDATE users SET suspended = coalesce(%s, suspended), role = coalesce(%s, role), updated_at = now()
               WHERE id = %s""",
            (suspended, role.value if role else None, user_id),
        )

    def admin_count(self) -> int:
        """Users with the admin role, suspended or not."""
        row = self._conn.execute("SELECT count(*) AS n FROM users WHERE role = 'admin'").fetchone()
        assert row is not None
        return int(row["n"])

    def pricing(self) -> list[dict[str, Any]]:
        """Every image price as JSON-ready dicts, in model display order."""
        rows = self._conn.execute(
            """SELECT p.model, p.size, p.quality, p.credits, p.provider_cost_usd FROM prices p
               JOIN models m ON m.id = p.model ORDER BY m.position, p.model, p.size, p.quality"""
        ).fetchall()
        return [{**row, "provider_cost_usd": float(row["provider_cost_usd"])} for row in rows]

    def upsert_price(self, model: str, size: str, quality: str, credits: int, cost: Decimal) -> None:
        """Inserts or replaces the price of a model at a size and quality; cost is USD per image."""
        self._conn.execute(
            """INSERT INTO prices (model, size, quality, credits, provider_cost_usd, updated_at)
               VALUES (%s, %s, %s, %s, %s, now())
               ON CONFLICT (model, size, quality) DO UPDATE SET credits = EXCLUDED.credits,
                   provider_cost_usd = EXCLUDED.provider_cost_usd, updated_at = now()""",
            (model, size, quality, credits, cost),
        )

    def settings(self) -> dict[str, Any]:
        """Every stored setting, plus "models": each model's enabled flag by id."""
        rows = self._conn.execute("SELECT key, value FROM settings").fetchall()
        values = {row["key"]: row["value"] for row in rows}
        models = self._conn.execute("SELECT id, enabled FROM models ORDER BY position").fetchall()
        return {**values, "models": {row["id"]: row["enabled"] for row in models}}

    def set_setting(self, key: str, value: Any) -> None:
        """Stores a setting's JSON value, replacing any earlier one."""
        self._conn.execute(
            """INSERT INTO settings (key, value, updated_at) VALUES (%s, %s, now())
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()""",
            (key, Jsonb(value)),
        )

    def set_model_enabled(self, model: str, enabled: bool) -> bool:
        """False when there is no such model."""
        row = self._conn.execute("UPDATE models SET enabled = %s WHERE id = %s RETURNING id",
                                 (enabled, model)).fetchone()
        return row is not None

    def update_model(self, model: str, values: dict[str, Any]) -> bool:
        """Sets the MODEL_EDITABLE fields present in values (None or absent leaves one as it is, but replacement_model
        may be cleared); making a model available forgets why it was withdrawn; False when there is no such model."""
        row = self._conn.execute(
            """UPDATE models SET enabled = coalesce(%(enabled)s::boolean, enabled),
                   available = coalesce(%(available)s::boolean, available),
                   label = coalesce(%(label)s::text, label), position = coalesce(%(position)s::integer, position),
                   replacement_model = CASE WHEN %(set_replacement)s THEN %(replacement_model)s::text
                                            ELSE replacement_model END,
                   usd_per_mtok_input_text = coalesce(%(usd_per_mtok_input_text)s::numeric, usd_per_mtok_input_text),
                   usd_per_mtok_input_image = coalesce(%(usd_per_mtok_input_image)s::numeric,
                                                       usd_per_mtok_input_image),
                   usd_per_mtok_output_image = coalesce(%(usd_per_mtok_output_image)s::numeric,
                                                        usd_per_mtok_output_image),
                   unavailable_reason = CASE WHEN %(available)s::boolean THEN NULL ELSE unavailable_reason END,
                   withdrawn_at = CASE WHEN %(available)s::boolean THEN NULL ELSE withdrawn_at END
               WHERE id = %(id)s RETURNING id""",
            {**{name: values.get(name) for name in MODEL_EDITABLE}, "set_replacement": "replacement_model" in values,
             "id": model},
        ).fetchone()
        return row is not None

    def rates(self) -> list[dict[str, Any]]:
        """Every token rate as JSON-ready dicts, in model display order."""
        rows = self._conn.execute(
            """SELECT r.model, r.unit, r.quality, r.credits, r.provider_cost_usd FROM model_rates r
               JOIN models m ON m.id = r.model ORDER BY m.position, r.model, r.unit, r.quality"""
        ).fetchall()
        return [{**row, "credits": float(row["credits"]), "provider_cost_usd": float(row["provider_cost_usd"])}
                for row in rows]

    def upsert_rate(self, model: str, unit: str, quality: str, credits: Decimal, cost: Decimal) -> None:
        """Inserts or replaces the token rate of a model for a unit and quality; credits and cost are per unit."""
        self._conn.execute(
            """INSERT INTO model_rates (model, unit, quality, credits, provider_cost_usd, updated_at)
               VALUES (%s, %s, %s, %s, %s, now())
               ON CONFLICT (model, unit, quality) DO UPDATE SET credits = EXCLUDED.credits,
                   provider_cost_usd = EXCLUDED.provider_cost_usd, updated_at = now()""",
            (model, unit, quality, credits, cost),
        )

    def upsert_preset(self, preset_id: str, label: str, suffix: str, position: int, active: bool) -> None:
        """Inserts or replaces a style preset."""
        self._conn.execute(
            """INSERT INTO style_presets (id, label, prompt_suffix, position, active) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, prompt_suffix = EXCLUDED.prompt_suffix,
                   position = EXCLUDED.position, active = EXCLUDED.active""",
            (preset_id, label, suffix, position, active),
        )

    def upsert_template(self, template_id: str, label: str, template: str, variables: list[str], position: int,
                        active: bool) -> None:
        """Inserts or replaces a prompt template."""
        self._conn.execute(
            """INSERT INTO prompt_templates (id, label, template, variables, position, active)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, template = EXCLUDED.template,
                   variables = EXCLUDED.variables, position = EXCLUDED.position, active = EXCLUDED.active""",
            (template_id, label, template, variables, position, active),
        )

    def upsert_pack(self, pack_id: str, label: str, credits: int, amount_cents: int, position: int,
                    active: bool) -> None:
        """Inserts or replaces a credit pack."""
        self._conn.execute(
            """INSERT INTO credit_packs (id, label, credits, amount_cents, position, active)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, credits = EXCLUDED.credits,
                   amount_cents = EXCLUDED.amount_cents, position = EXCLUDED.position, active = EXCLUDED.active""",
            (pack_id, label, credits, amount_cents, position, active),
        )

    def plans(self) -> list[Plan]:
        """Every plan, on sale or not, in display order."""
        rows = self._conn.execute(f"SELECT {PLAN_COLUMNS} FROM plans ORDER BY position, id").fetchall()
        return [Plan(**row) for row in rows]

    def upsert_plan(self, plan: Plan) -> None:
        """Inserts or replaces a plan (its id and interval stay as they were when it exists)."""
        self._conn.execute(
            """INSERT INTO plans (id, name, interval, amount_cents, currency, monthly_credits, pack_discount_percent,
                   queue_priority, premium_models, parallel_generations, active, position)
               VALUES (%(id)s, %(name)s, %(interval)s, %(amount_cents)s, %(currency)s, %(monthly_credits)s,
                   %(pack_discount_percent)s, %(queue_priority)s, %(premium_models)s, %(parallel_generations)s,
                   %(active)s, %(position)s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, amount_cents = EXCLUDED.amount_cents,
                   monthly_credits = EXCLUDED.monthly_credits, pack_discount_percent = EXCLUDED.pack_discount_percent,
                   queue_priority = EXCLUDED.queue_priority, premium_models = EXCLUDED.premium_models,
                   parallel_generations = EXCLUDED.parallel_generations, active = EXCLUDED.active,
                   position = EXCLUDED.position""",
            asdict(plan),
        )

    def prune_login_attempts(self, failed_before: datetime, succeeded_before: datetime, limit: int) -> int:
        """Deletes up to `limit` sign-in attempts the login throttle no longer reads; returns how many."""
        return self._conn.execute(
            """DELETE FROM login_attempts WHERE id IN (
                   SELECT id FROM login_attempts
                   WHERE attempted_at < %s AND (NOT succeeded OR attempted_at < %s) LIMIT %s)""",
            (failed_before, succeeded_before, limit),
        ).rowcount

    def audit(self, actor: User, action: str, target_type: str, target_id: str | None, before: Any, after: Any,
              now: datetime) -> None:
        """Appends an audit row; before and after are stored as JSON, values it cannot encode as their str()."""
        self._conn.execute(
            """INSERT INTO audit_log (actor_id, actor_email, action, target_type, target_id, before, after, created_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            (actor.id, actor.email, action, target_type, target_id, Jsonb(before, dumps=_dumps),
             Jsonb(after, dumps=_dumps), now),
        )

    def audit_log(self, before_id: int | None, limit: int) -> list[AuditEntry]:
        """Audit rows newest first, those with ids below before_id when given."""
        rows = self._conn.execute(
            """SELECT id, actor_email, action, target_type, target_id, before, after, created_at FROM audit_log
               WHERE %s::bigint IS NULL OR id < %s ORDER BY id DESC LIMIT %s""",
            (before_id, before_id, limit),
        ).fetchall()
        return [AuditEntry(**row) for row in rows]


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, default=str)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
