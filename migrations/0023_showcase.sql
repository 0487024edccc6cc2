-- Issue 20: the landing page shows Community images an admin chose. Leaving Community (unpublished, hidden, taken
-- down) takes an image off the showcase too: the showcase reads only listed images, and unpublishing clears the mark.
ALTER TABLE images ADD COLUMN featured_at timestamptz;
CREATE INDEX images_featured_idx ON images (featured_at DESC) WHERE featured_at IS NOT NULL;
