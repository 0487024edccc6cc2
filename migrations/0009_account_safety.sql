-- Email verification, the signup bonus at verification, two-factor sign-in, sessions, the sign-up throttle and
-- the email outbox (issue 15).
ALTER TABLE users
    ADD COLUMN email_verified_at timestamptz,
    ADD COLUMN signup_bonus_at timestamptz,
    ADD COLUMN totp_secret text,
    ADD COLUMN totp_pending_secret text,
    ADD COLUMN totp_last_step bigint;

-- Accounts that got their bonus at sign-up, before it moved to verification, must not get it twice.
UPDATE users u SET signup_bonus_at = l.created_at
FROM ledger l WHERE l.kind = 'signup_bonus' AND l.reference = 'signup:' || u.id::text;

-- The old default display name was the email's local part, and it is public on shared images.
UPDATE users SET display_name = 'Pixmint artist' WHERE display_name = split_part(email, '@', 1);

CREATE TABLE email_verification_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX email_verification_tokens_user_idx ON email_verification_tokens (user_id);

-- An HMAC of each normalised email that has had its signup bonus; it outlives the account on purpose.
CREATE TABLE signup_bonus_claims (
    email_key bytea PRIMARY KEY,
    claimed_at timestamptz NOT NULL
);

CREATE TABLE signups (
    id bigserial PRIMARY KEY,
    ip text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX signups_ip_idx ON signups (ip, created_at);

-- Emails to send, written in the transaction of the use case and delivered after the reply. A password reset row
-- holds the address as asked, whether or not an account has it, so the request does the same work either way.
CREATE TABLE email_outbox (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('verify_email', 'password_reset')),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    email text,
    created_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    done_at timestamptz,
    sent boolean NOT NULL DEFAULT false,
    last_error text,
    CHECK ((kind = 'verify_email' AND user_id IS NOT NULL) OR (kind = 'password_reset'))
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE done_at IS NULL;
CREATE INDEX email_outbox_user_idx ON email_outbox (user_id, kind, created_at);

CREATE TABLE recovery_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    used_at timestamptz,
    UNIQUE (user_id, code_hash)
);

ALTER TABLE refresh_token_families
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN user_agent text,
    ADD COLUMN ip text;
UPDATE refresh_token_families f SET last_used_at = coalesce(
    (SELECT max(t.created_at) FROM refresh_tokens t WHERE t.family_id = f.id), f.created_at);
