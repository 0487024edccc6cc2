-- Issue 21, a library for people with 25,000 images: boards, ratings, recall by any setting, similar pictures.
-- Every library list is the user's generated images (uploads are sources to edit, not the gallery), newest first;
-- each filter below has an index that starts with the user and ends with the listing order.

CREATE TABLE boards (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- The image chosen as cover; without one, the board shows its newest image.
    cover_image_id uuid REFERENCES images (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX boards_user_idx ON boards (user_id, created_at DESC, id DESC);
CREATE INDEX boards_cover_idx ON boards (cover_image_id) WHERE cover_image_id IS NOT NULL;

-- image_created_at is the image's (which never changes), so a board lists newest first from this index alone.
CREATE TABLE board_images (
    board_id uuid NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    image_created_at timestamptz NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (board_id, image_id)
);
CREATE INDEX board_images_listing_idx ON board_images (board_id, image_created_at DESC, image_id DESC);
CREATE INDEX board_images_image_idx ON board_images (image_id);

-- Ratings (1-5 stars), the shape and the reduced ratio of each image (1024x1024 is 1:1, 1792x1024 is 7:4), and a
-- 64-bit difference hash of the picture for "more like this" and duplicate uploads (NULL until computed: the
-- worker and uploads compute it, housekeeping backfills older rows).
ALTER TABLE images
    ADD COLUMN rating smallint CONSTRAINT images_rating_check CHECK (rating BETWEEN 1 AND 5),
    ADD COLUMN orientation text GENERATED ALWAYS AS (
        CASE WHEN width = height THEN 'square' WHEN width > height THEN 'landscape' ELSE 'portrait' END) STORED,
    ADD COLUMN aspect_ratio text GENERATED ALWAYS AS (
        (width / gcd(width, height))::text || ':' || (height / gcd(width, height))::text) STORED,
    ADD COLUMN dhash bigint;

CREATE INDEX images_gallery_idx ON images (user_id, created_at DESC, id DESC) WHERE kind = 'generated';
CREATE INDEX images_user_rating_idx ON images (user_id, rating, created_at DESC, id DESC)
    WHERE kind = 'generated' AND rating IS NOT NULL;
CREATE INDEX images_user_operation_idx ON images (user_id, operation, created_at DESC, id DESC)
    WHERE kind = 'generated';
CREATE INDEX images_user_orientation_idx ON images (user_id, orientation, created_at DESC, id DESC)
    WHERE kind = 'generated';
CREATE INDEX images_user_aspect_idx ON images (user_id, aspect_ratio, created_at DESC, id DESC)
    WHERE kind = 'generated';
-- Similar pictures compare one user's hashes (an index-only scan); the backfill finds rows without one.
CREATE INDEX images_user_dhash_idx ON images (user_id) INCLUDE (dhash, kind, created_at, id) WHERE dhash IS NOT NULL;
CREATE INDEX images_dhash_missing_idx ON images (created_at) WHERE dhash IS NULL;
