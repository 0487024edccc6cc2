-- Billing (issue 18): admin-managed plans, Stripe subscriptions and the invoices that grant their allowance.

ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check,
    ADD CONSTRAINT ledger_kind_check CHECK (kind IN (
        'purchase', 'generation', 'generation_refund', 'signup_bonus', 'admin_grant', 'admin_debit',
        'payment_refund', 'dispute', 'subscription_grant', 'referral_reward', 'credit_expiry', 'team_transfer')),
    DROP CONSTRAINT sign_matches_kind,
    ADD CONSTRAINT sign_matches_kind CHECK (
        (kind IN ('purchase', 'generation_refund', 'signup_bonus', 'admin_grant', 'subscription_grant',
                  'referral_reward') AND delta > 0)
        OR (kind IN ('generation', 'admin_debit', 'payment_refund', 'dispute', 'credit_expiry') AND delta < 0)
        OR kind = 'team_transfer');
-- An invoice's month of allowance is granted once, whatever the webhooks and the schedule do.
CREATE UNIQUE INDEX ledger_grant_once_idx ON ledger (kind, reference) WHERE kind = 'subscription_grant';

CREATE TABLE plans (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    interval text NOT NULL CHECK (interval IN ('month', 'year')),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL DEFAULT 'usd',
    monthly_credits bigint NOT NULL CHECK (monthly_credits > 0),
    pack_discount_percent integer NOT NULL DEFAULT 0 CHECK (pack_discount_percent BETWEEN 0 AND 90),
    queue_priority boolean NOT NULL DEFAULT false,
    premium_models boolean NOT NULL DEFAULT false,
    parallel_generations integer NOT NULL DEFAULT 1 CHECK (parallel_generations BETWEEN 1 AND 16),
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0
);
INSERT INTO plans (id, name, interval, amount_cents, monthly_credits, pack_discount_percent, queue_priority,
                   premium_models, parallel_generations, position) VALUES
    ('creator-monthly', 'Creator', 'month', 1200, 1500, 5, false, false, 2, 1),
    ('creator-yearly', 'Creator', 'year', 12000, 1500, 5, false, false, 2, 2),
    ('studio-monthly', 'Studio', 'month', 3900, 5000, 15, true, true, 4, 3),
    ('studio-yearly', 'Studio', 'year', 39000, 5000, 15, true, true, 4, 4);

CREATE TABLE subscriptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    plan_id text NOT NULL REFERENCES plans (id),
    checkout_session_id text NOT NULL UNIQUE,
    checkout_url text NOT NULL,
    stripe_subscription_id text UNIQUE,
    stripe_customer_id text,
    -- 'checkout' until Stripe tells us more; then Stripe's own statuses.
    status text NOT NULL CHECK (status IN ('checkout', 'incomplete', 'incomplete_expired', 'trialing', 'active',
                                          'past_due', 'unpaid', 'paused', 'canceled')),
    current_period_end timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    state_at bigint NOT NULL DEFAULT 0,  -- the Stripe `created` of the event whose state this row shows
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX subscriptions_user_idx ON subscriptions (user_id, created_at DESC);

CREATE TABLE subscription_invoices (
    invoice_id text PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES subscriptions (id),
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    plan_id text NOT NULL REFERENCES plans (id),
    payment_intent_id text UNIQUE,
    status text NOT NULL CHECK (status IN ('failed', 'paid', 'partially_refunded', 'refunded', 'disputed')),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    currency text NOT NULL,
    period_start timestamptz NOT NULL,
    period_end timestamptz NOT NULL,
    months integer NOT NULL CHECK (months BETWEEN 1 AND 12),
    monthly_credits bigint NOT NULL CHECK (monthly_credits > 0),
    months_granted integer NOT NULL DEFAULT 0 CHECK (months_granted BETWEEN 0 AND months),
    credited bigint NOT NULL DEFAULT 0 CHECK (credited >= 0),
    clawed_back bigint NOT NULL DEFAULT 0 CHECK (clawed_back >= 0 AND clawed_back <= credited),
    refunded_cents bigint NOT NULL DEFAULT 0,
    disputed boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX subscription_invoices_due_idx ON subscription_invoices (period_start)
    WHERE months_granted < months AND status IN ('paid', 'partially_refunded');
