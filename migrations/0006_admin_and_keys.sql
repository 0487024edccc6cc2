CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    rate_limit_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute BETWEEN 1 AND 10000),
    monthly_cap_credits integer CHECK (monthly_cap_credits > 0),
    gateway_key_id text,
    created_at timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC);

-- Requests per key per minute, for the application's own rate limit.
CREATE TABLE api_key_windows (
    key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    requests integer NOT NULL,
    PRIMARY KEY (key_id, window_start)
);

ALTER TABLE generations ADD COLUMN api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL;
CREATE INDEX generations_api_key_idx ON generations (api_key_id, created_at) WHERE api_key_id IS NOT NULL;

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_email text NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text,
    before jsonb,
    after jsonb,
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);

INSERT INTO settings (key, value) VALUES ('daily_spend_cap', 'null') ON CONFLICT DO NOTHING;
