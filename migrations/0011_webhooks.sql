-- Developers' webhook endpoints and the outbox of signed deliveries to them (issue 16).
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events text[] NOT NULL CHECK (cardinality(events) >= 1 AND events <@ ARRAY['generation.succeeded',
        'generation.failed', 'credits.purchased', 'credits.low']),
    description text CHECK (length(description) <= 200),
    -- The signing key has to be read back to sign every delivery; only its owner ever saw it, once.
    secret text NOT NULL,
    low_credits_threshold integer NOT NULL DEFAULT 100 CHECK (low_credits_threshold BETWEEN 1 AND 10000000),
    -- Set when credits.low went out; cleared once the balance is back at or above the threshold.
    low_credits_notified boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at DESC);

-- One row per event per endpoint, written in the transaction that made the event; its id is the webhook-id of
-- every attempt. next_attempt_at is NULL once delivered or given up.
CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY CHECK (id ~ '^msg_[0-9a-f]{32}$'),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type text NOT NULL CHECK (length(event_type) <= 100),
    -- The exact bytes that are signed and sent, so every retry carries the same body.
    payload text NOT NULL,
    created_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_status integer,
    last_error text CHECK (length(last_error) <= 500),
    delivered_at timestamptz,
    failed_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
