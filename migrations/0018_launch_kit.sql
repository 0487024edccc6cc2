-- Issue 22, the launch kit. Emails people read: the outbox names what an email is about (a payment, a ticket
-- reply) in ref, so it is rendered from current facts when it is sent; optional emails follow each user's
-- preferences; an address that bounced for good or complained is never mailed again.
ALTER TABLE email_outbox
    ADD COLUMN ref text CONSTRAINT email_outbox_ref_check CHECK (length(ref) <= 300),
    DROP CONSTRAINT email_outbox_kind_check,
    ADD CONSTRAINT email_outbox_kind_check CHECK (kind IN (
        'verify_email', 'password_reset', 'webhook_disabled', 'welcome', 'receipt', 'payment_failed', 'low_balance',
        'support_reply', 'team_invitation', 'beta_invitation')),
    DROP CONSTRAINT email_outbox_check,
    ADD CONSTRAINT email_outbox_check
        CHECK (kind IN ('password_reset', 'support_reply', 'team_invitation', 'beta_invitation') OR user_id IS NOT NULL);

CREATE TABLE email_preferences (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    low_balance boolean NOT NULL DEFAULT true,
    product_news boolean NOT NULL DEFAULT false,
    low_balance_threshold integer NOT NULL DEFAULT 100
        CONSTRAINT email_preferences_threshold_check CHECK (low_balance_threshold BETWEEN 1 AND 1000000),
    -- Set when the balance went under the threshold and the email was queued; cleared when it is back above.
    low_balance_notified boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);

-- Kept after an account is deleted on purpose: the mailbox still bounces, or its owner still does not want mail.
CREATE TABLE email_suppressions (
    address text PRIMARY KEY CONSTRAINT email_suppressions_address_check CHECK (address = lower(address)),
    reason text NOT NULL CONSTRAINT email_suppressions_reason_check CHECK (reason IN ('bounce', 'complaint')),
    detail text CONSTRAINT email_suppressions_detail_check CHECK (length(detail) <= 500),
    created_at timestamptz NOT NULL
);

-- The support desk: tickets from the contact form (signed in or not), the conversation with support, and the
-- sending addresses' recent tickets, which the abuse throttle counts (no captcha).
-- A deleted account takes its tickets with it (its audit entries stay).
CREATE TABLE support_tickets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    email text NOT NULL CONSTRAINT support_tickets_email_check CHECK (length(email) BETWEEN 3 AND 254),
    subject text NOT NULL CONSTRAINT support_tickets_subject_check CHECK (length(subject) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'open' CONSTRAINT support_tickets_status_check
        CHECK (status IN ('open', 'answered', 'closed')),
    page text CONSTRAINT support_tickets_page_check CHECK (length(page) <= 300),
    ip text CONSTRAINT support_tickets_ip_check CHECK (length(ip) <= 64),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX support_tickets_user_idx ON support_tickets (user_id, updated_at DESC, id DESC);
CREATE INDEX support_tickets_queue_idx ON support_tickets (status, updated_at DESC, id DESC);
CREATE INDEX support_tickets_ip_idx ON support_tickets (ip, created_at);
CREATE INDEX support_tickets_email_idx ON support_tickets (lower(email), created_at);

CREATE TABLE support_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id uuid NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    author text NOT NULL CONSTRAINT support_messages_author_check CHECK (author IN ('customer', 'support')),
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    author_name text NOT NULL CONSTRAINT support_messages_author_name_check CHECK (length(author_name) <= 120),
    body text NOT NULL CONSTRAINT support_messages_body_check CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL
);
CREATE INDEX support_messages_ticket_idx ON support_messages (ticket_id, id);

-- The status page: each scheduled check's outcome per component and day (90 days of uptime), and the incidents
-- admins post. The page itself is a static file the metrics schedule writes, so it needs none of this to load.
CREATE TABLE status_samples (
    day date NOT NULL,
    component text NOT NULL CONSTRAINT status_samples_component_check
        CHECK (component IN ('api', 'generation', 'payments')),
    checks integer NOT NULL DEFAULT 0,
    degraded integer NOT NULL DEFAULT 0,
    outages integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, component)
);

CREATE TABLE status_incidents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title text NOT NULL CONSTRAINT status_incidents_title_check CHECK (length(title) BETWEEN 1 AND 200),
    impact text NOT NULL CONSTRAINT status_incidents_impact_check CHECK (impact IN ('minor', 'major', 'maintenance')),
    components text[] NOT NULL CONSTRAINT status_incidents_components_check
        CHECK (cardinality(components) >= 1 AND components <@ '{api,generation,payments}'::text[]),
    status text NOT NULL CONSTRAINT status_incidents_status_check
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE INDEX status_incidents_recent_idx ON status_incidents (created_at DESC, id DESC);

CREATE TABLE status_incident_updates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    status text NOT NULL CONSTRAINT status_incident_updates_status_check
        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    message text NOT NULL CONSTRAINT status_incident_updates_message_check CHECK (length(message) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL
);
CREATE INDEX status_incident_updates_incident_idx ON status_incident_updates (incident_id, id);

-- The beta program: invite codes (single or multi-use, a limit and an expiry), who used them, the public waitlist
-- (approved in batches, each with a code of its own bound to the address), and the feedback widget's entries.
CREATE TABLE invite_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code text NOT NULL CONSTRAINT invite_codes_code_check CHECK (code ~ '^[A-Z0-9-]{6,40}$'),
    uses integer NOT NULL CONSTRAINT invite_codes_uses_check CHECK (uses BETWEEN 1 AND 100000),
    used integer NOT NULL DEFAULT 0,
    email text CONSTRAINT invite_codes_email_check CHECK (length(email) <= 254),
    note text CONSTRAINT invite_codes_note_check CHECK (length(note) <= 200),
    expires_at timestamptz,
    revoked_at timestamptz,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT invite_codes_used_check CHECK (used BETWEEN 0 AND uses)
);
CREATE UNIQUE INDEX invite_codes_code_key ON invite_codes (code);
CREATE INDEX invite_codes_recent_idx ON invite_codes (created_at DESC, id DESC);

CREATE TABLE invite_redemptions (
    code_id uuid NOT NULL REFERENCES invite_codes (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (code_id, user_id)
);

CREATE TABLE waitlist (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CONSTRAINT waitlist_email_check CHECK (length(email) BETWEEN 3 AND 254),
    ip text CONSTRAINT waitlist_ip_check CHECK (length(ip) <= 64),
    created_at timestamptz NOT NULL,
    approved_at timestamptz,
    invite_code_id uuid REFERENCES invite_codes (id) ON DELETE SET NULL,
    joined_at timestamptz
);
CREATE UNIQUE INDEX waitlist_email_key ON waitlist (lower(email));
CREATE INDEX waitlist_pending_idx ON waitlist (created_at, id) WHERE approved_at IS NULL;
CREATE INDEX waitlist_ip_idx ON waitlist (ip, created_at);

CREATE TABLE feedback (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    page text NOT NULL CONSTRAINT feedback_page_check CHECK (length(page) BETWEEN 1 AND 300),
    message text NOT NULL CONSTRAINT feedback_message_check CHECK (length(message) BETWEEN 1 AND 5000),
    rating smallint CONSTRAINT feedback_rating_check CHECK (rating BETWEEN 1 AND 5),
    ip text CONSTRAINT feedback_ip_check CHECK (length(ip) <= 64),
    created_at timestamptz NOT NULL
);
CREATE INDEX feedback_recent_idx ON feedback (created_at DESC, id DESC);
CREATE INDEX feedback_page_idx ON feedback (page, created_at DESC);
CREATE INDEX feedback_ip_idx ON feedback (ip, created_at);
