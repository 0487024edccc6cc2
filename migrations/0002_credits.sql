ALTER TABLE users
    ADD COLUMN flagged_at timestamptz,
    ADD COLUMN flag_reason text;

CREATE TABLE ledger (
    id bigserial PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind IN ('purchase', 'generation', 'generation_refund', 'signup_bonus',
                                       'admin_grant', 'admin_debit', 'payment_refund', 'dispute')),
    delta bigint NOT NULL CHECK (delta <> 0),
    balance_after bigint NOT NULL,
    reference text NOT NULL,
    actor text NOT NULL,
    created_at timestamptz NOT NULL,
    -- Spending never takes a balance below zero; only refunds and disputes of payments may.
    CONSTRAINT spending_keeps_balance_non_negative
        CHECK (kind NOT IN ('generation', 'admin_debit') OR balance_after >= 0),
    CONSTRAINT sign_matches_kind CHECK (
        (kind IN ('purchase', 'generation_refund', 'signup_bonus', 'admin_grant') AND delta > 0)
        OR (kind IN ('generation', 'admin_debit', 'payment_refund', 'dispute') AND delta < 0))
);
CREATE INDEX ledger_user_idx ON ledger (user_id, id DESC);
-- One row per event of money: a Stripe session credits once, a signup bonus is given once.
CREATE UNIQUE INDEX ledger_once_idx ON ledger (kind, reference)
    WHERE kind IN ('purchase', 'signup_bonus', 'generation', 'generation_refund');

-- Append-only: rows are never changed, except that deleting an account anonymises its rows.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND (NEW.id, NEW.kind, NEW.delta, NEW.balance_after, NEW.reference, NEW.actor, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.kind, OLD.delta, OLD.balance_after, OLD.reference, OLD.actor, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TABLE credit_packs (
    id text PRIMARY KEY,
    label text NOT NULL,
    credits bigint NOT NULL CHECK (credits > 0),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL DEFAULT 'usd',
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0
);
INSERT INTO credit_packs (id, label, credits, amount_cents, position) VALUES
    ('starter', 'Starter: 500 credits', 500, 500, 1),
    ('standard', 'Standard: 1,000 credits', 1000, 1000, 2),
    ('plus', 'Plus: 2,000 + 100 bonus credits', 2100, 2000, 3),
    ('pro', 'Pro: 5,000 + 500 bonus credits', 5500, 5000, 4);

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    provider text NOT NULL,
    checkout_session_id text NOT NULL UNIQUE,
    payment_intent_id text UNIQUE,
    pack_id text,
    credits bigint NOT NULL CHECK (credits > 0),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'processing', 'paid', 'failed', 'expired',
                                          'refunded', 'partially_refunded', 'disputed')),
    credited bigint NOT NULL DEFAULT 0 CHECK (credited >= 0),
    clawed_back bigint NOT NULL DEFAULT 0 CHECK (clawed_back >= 0 AND clawed_back <= credited),
    refunded_cents bigint NOT NULL DEFAULT 0,
    disputed boolean NOT NULL DEFAULT false,
    checkout_url text NOT NULL,
    failure_reason text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX payments_user_idx ON payments (user_id, created_at DESC);

CREATE TABLE payment_status_history (
    id bigserial PRIMARY KEY,
    payment_id uuid NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    status text NOT NULL,
    event_id text,
    note text,
    created_at timestamptz NOT NULL
);
CREATE INDEX payment_status_history_payment_idx ON payment_status_history (payment_id, id);

-- Refunds and disputes that arrive before we know their payment wait here (keyed by payment intent).
CREATE TABLE payment_adjustments (
    payment_intent_id text PRIMARY KEY,
    refunded_cents bigint NOT NULL DEFAULT 0,
    disputed boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);

CREATE TABLE stripe_events (
    id text PRIMARY KEY,
    type text NOT NULL,
    received_at timestamptz NOT NULL
);

CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response jsonb,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);
