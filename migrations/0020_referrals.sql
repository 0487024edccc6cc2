-- Referrals (issue 18): a code per account, who came through whose code, and what Stripe's charges tell about who
-- paid, so a reward is granted once, only after the holding period, and never between accounts of one person.

CREATE TABLE referral_codes (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z2-9]{8}$'),
    signup_ip text,  -- the client address of the sign-up; NULL for accounts made before referrals
    created_at timestamptz NOT NULL
);

CREATE TABLE referrals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referrer_id uuid REFERENCES users (id) ON DELETE SET NULL,
    referred_id uuid UNIQUE REFERENCES users (id) ON DELETE SET NULL,  -- an account is referred once at most
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rewarded', 'capped', 'refused')),
    reason text CHECK (reason IN ('same_mailbox', 'same_email_domain', 'same_card', 'same_customer',
                                  'same_signup_address', 'first_purchase_refunded', 'first_purchase_disputed',
                                  'account_deleted', 'monthly_cap')),
    referrer_credits bigint NOT NULL DEFAULT 0 CHECK (referrer_credits >= 0),
    referred_credits bigint NOT NULL DEFAULT 0 CHECK (referred_credits >= 0),
    created_at timestamptz NOT NULL,
    decided_at timestamptz,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status IN ('pending', 'rewarded')) = (reason IS NULL)),
    CHECK (referrer_id <> referred_id)
);
CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, created_at DESC);
CREATE INDEX referrals_pending_idx ON referrals (created_at) WHERE status = 'pending';
CREATE INDEX referrals_rewarded_idx ON referrals (referrer_id, decided_at) WHERE status = 'rewarded';
-- Each side of a referral is credited once, whatever the schedule's runs do.
CREATE UNIQUE INDEX ledger_referral_once_idx ON ledger (kind, reference) WHERE kind = 'referral_reward';

-- What charge.succeeded says about a payment: the customer and the card's fingerprint (same card, same value).
CREATE TABLE stripe_charges (
    charge_id text PRIMARY KEY,
    payment_intent_id text,
    customer_id text,
    card_fingerprint text,
    created_at timestamptz NOT NULL
);
CREATE INDEX stripe_charges_intent_idx ON stripe_charges (payment_intent_id);
