-- A refresh whose reply never reached the browser (a reload or a click during it) left the browser holding the
-- token it had just spent. Within a short grace, that token may be spent again: the unseen successor is retired
-- (superseded_at), and presenting a superseded token later still revokes the whole family.
ALTER TABLE refresh_tokens ADD COLUMN superseded_at timestamptz;
