-- Keys with budgets (issue 16): what a key may do (scopes), with which models, from where, and until when.
-- NULL allowed_models / allowed_ips mean "any"; a key without expires_at lasts until revoked.
ALTER TABLE api_keys
    ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['generate', 'library:read', 'library:write']
        CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['generate', 'library:read', 'library:write']),
    ADD COLUMN allowed_models text[] CHECK (allowed_models IS NULL OR cardinality(allowed_models) BETWEEN 1 AND 20),
    ADD COLUMN allowed_ips cidr[] CHECK (allowed_ips IS NULL OR cardinality(allowed_ips) BETWEEN 1 AND 20),
    ADD COLUMN expires_at timestamptz;
