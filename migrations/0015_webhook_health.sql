-- An endpoint that has failed every delivery for three days is turned off, as Stripe does with its own webhooks:
-- its owner is emailed, no new events are queued for it, and turning it back on resumes what was pending.
ALTER TABLE webhook_endpoints
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN disabled_at timestamptz,
    ADD COLUMN disabled_reason text CHECK (length(disabled_reason) <= 300);
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check,
    ADD CONSTRAINT email_outbox_kind_check CHECK (kind IN ('verify_email', 'password_reset', 'webhook_disabled')),
    DROP CONSTRAINT email_outbox_check,
    ADD CONSTRAINT email_outbox_check
        CHECK ((kind IN ('verify_email', 'webhook_disabled') AND user_id IS NOT NULL) OR (kind = 'password_reset'));
