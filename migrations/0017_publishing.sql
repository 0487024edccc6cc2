-- Issue 20, "Share is not publish": a share slug is an unlisted link; publishing lists the image on Community
-- under its owner's public handle, and signed-in people like and report what is listed.
ALTER TABLE users ADD COLUMN public_handle text
    CONSTRAINT users_public_handle_check CHECK (public_handle ~ '^[a-z0-9_-]{3,30}$');
CREATE UNIQUE INDEX users_public_handle_key ON users (lower(public_handle)) WHERE public_handle IS NOT NULL;

-- moderated_at: an admin took it down after reports; its link answers 404 and it cannot be shared again.
ALTER TABLE images
    ADD COLUMN published_at timestamptz,
    ADD COLUMN moderated_at timestamptz,
    ADD CONSTRAINT images_published_needs_slug_check CHECK (published_at IS NULL OR share_slug IS NOT NULL);
-- Images shared before this were on Community already: they stay listed, newest-shared first as before. Their
-- owners have no handle yet, so they are credited to "A Pixmint artist" until they choose one.
UPDATE images SET published_at = shared_at WHERE share_slug IS NOT NULL;
DROP INDEX IF EXISTS images_community_idx;
CREATE INDEX images_community_idx ON images (published_at DESC, id DESC)
    WHERE published_at IS NOT NULL AND NOT hidden_from_community AND moderated_at IS NULL;

CREATE TABLE community_likes (
    image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (image_id, user_id)
);
CREATE INDEX community_likes_user_idx ON community_likes (user_id);

CREATE TABLE community_reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason text NOT NULL CHECK (reason IN ('spam', 'offensive', 'copyright', 'other')),
    note text CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL,
    closed_at timestamptz
);
CREATE UNIQUE INDEX community_reports_open_key ON community_reports (image_id, reporter_id) WHERE closed_at IS NULL;
CREATE INDEX community_reports_queue_idx ON community_reports (created_at DESC, id DESC) WHERE closed_at IS NULL;
CREATE INDEX community_reports_reporter_idx ON community_reports (reporter_id);

-- Community search is a substring match of the prompt; a trigram index serves it where pg_trgm can be installed
-- (RDS allows it; a role without the right, or a server without the extension, such as the embedded one, just
-- searches without the index).
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX images_prompt_trgm_idx ON images USING gin (prompt gin_trgm_ops) WHERE published_at IS NOT NULL;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm unavailable: community search runs without a trigram index';
END
$$;
