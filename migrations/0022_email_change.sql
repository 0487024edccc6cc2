-- Issue 20: an email change is confirmed from the new address. The link's token is single use and names the
-- address it confirms; the old address is told, so a stolen session cannot move the account quietly.
CREATE TABLE email_change_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    new_email text NOT NULL CHECK (length(new_email) <= 254),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX email_change_tokens_user_idx ON email_change_tokens (user_id);

ALTER TABLE email_outbox
    DROP CONSTRAINT email_outbox_kind_check,
    ADD CONSTRAINT email_outbox_kind_check CHECK (kind IN (
        'verify_email', 'password_reset', 'webhook_disabled', 'welcome', 'receipt', 'payment_failed', 'low_balance',
        'support_reply', 'team_invitation', 'beta_invitation', 'email_change', 'email_change_notice'));
