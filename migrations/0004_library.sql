ALTER TABLE images
    ADD COLUMN share_slug text UNIQUE,
    ADD COLUMN shared_at timestamptz,
    ADD COLUMN hidden_from_community boolean NOT NULL DEFAULT false;
CREATE INDEX images_user_favorite_idx ON images (user_id, created_at DESC, id DESC) WHERE favorite;
CREATE INDEX images_community_idx ON images (shared_at DESC, id DESC)
    WHERE share_slug IS NOT NULL AND NOT hidden_from_community;

-- Converted or scaled copies, made once and served from here afterwards.
CREATE TABLE image_variants (
    image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    format text NOT NULL CHECK (format IN ('png', 'jpeg', 'webp')),
    width integer NOT NULL CHECK (width > 0),
    quality integer NOT NULL CHECK (quality BETWEEN 0 AND 100),
    content_type text NOT NULL,
    bytes integer NOT NULL,
    sha256 bytea NOT NULL,
    data bytea,
    s3_key text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (image_id, format, width, quality),
    CHECK ((data IS NULL) <> (s3_key IS NULL))
);

-- S3 deletes that failed, retried by a schedule until they succeed.
CREATE TABLE s3_deletions (
    s3_key text PRIMARY KEY,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz NOT NULL
);
