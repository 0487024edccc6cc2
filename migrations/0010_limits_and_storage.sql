-- Limits on what a user can store (issue 15): an upload quota, uploads straight to S3, and sweeping unused uploads.

-- An upload too large for Lambda's payload goes to S3 through a presigned POST; its declared size is reserved
-- against the quota until the ticket expires or the upload is completed (validated, sanitised, made an image).
CREATE TABLE pending_uploads (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    s3_key text NOT NULL UNIQUE,
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes integer NOT NULL CHECK (bytes BETWEEN 1 AND 10485760),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    image_id uuid REFERENCES images (id) ON DELETE SET NULL,
    completed_at timestamptz
);
CREATE INDEX pending_uploads_open_idx ON pending_uploads (user_id, expires_at) WHERE completed_at IS NULL;
CREATE INDEX pending_uploads_created_idx ON pending_uploads (created_at);

-- The quota sums a user's uploads; the sweeper finds old ones that no generation took as its source or mask.
CREATE INDEX images_user_uploads_idx ON images (user_id) INCLUDE (bytes) WHERE kind = 'upload';
CREATE INDEX images_uploads_created_idx ON images (created_at) WHERE kind = 'upload';
CREATE INDEX generations_source_image_idx ON generations (source_image_id) WHERE source_image_id IS NOT NULL;
CREATE INDEX generations_mask_image_idx ON generations (mask_image_id) WHERE mask_image_id IS NOT NULL;

-- Bytes of uploads one user may keep (200 MB); an admin setting like the daily spend cap.
INSERT INTO settings (key, value) VALUES ('upload_quota_bytes', '209715200') ON CONFLICT DO NOTHING;

-- Sign-in attempts and per-minute API key windows are pruned on a schedule, by age.
CREATE INDEX login_attempts_attempted_idx ON login_attempts (attempted_at);
CREATE INDEX api_key_windows_start_idx ON api_key_windows (window_start);
