-- Lists read one table: the prompt and model an image was made with are copied onto it (both never change).
ALTER TABLE images
    ADD COLUMN prompt text,
    ADD COLUMN model text,
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(prompt, ''))) STORED;
UPDATE images i SET prompt = g.prompt, model = g.model FROM generations g WHERE g.id = i.generation_id;
CREATE INDEX images_search_idx ON images USING gin (search);
CREATE INDEX images_user_model_idx ON images (user_id, model, created_at DESC, id DESC);
