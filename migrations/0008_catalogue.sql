-- Today's image models and every option they take. The catalogue is data: admins edit it from the models and
-- pricing pages; the code validates requests against these rows and never against constants of its own.
ALTER TABLE models
    ADD COLUMN available boolean NOT NULL DEFAULT true,
    ADD COLUMN unavailable_reason text,
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN replacement_model text REFERENCES models (id),
    ADD COLUMN custom_sizes jsonb CHECK (custom_sizes IS NULL OR jsonb_typeof(custom_sizes) = 'object'),
    ADD COLUMN backgrounds text[] NOT NULL DEFAULT '{auto}',
    ADD COLUMN output_formats text[] NOT NULL DEFAULT '{png}',
    ADD COLUMN previews boolean NOT NULL DEFAULT false,
    -- What the provider charges per million tokens, to compute the actual cost of each call from its usage.
    ADD COLUMN usd_per_mtok_input_text numeric(10, 4) NOT NULL DEFAULT 0 CHECK (usd_per_mtok_input_text >= 0),
    ADD COLUMN usd_per_mtok_input_image numeric(10, 4) NOT NULL DEFAULT 0 CHECK (usd_per_mtok_input_image >= 0),
    ADD COLUMN usd_per_mtok_output_image numeric(10, 4) NOT NULL DEFAULT 0 CHECK (usd_per_mtok_output_image >= 0),
    ADD CONSTRAINT models_backgrounds_check CHECK (backgrounds <@ '{auto,opaque,transparent}'::text[]),
    ADD CONSTRAINT models_output_formats_check CHECK (output_formats <@ '{png,webp,jpeg,gif,svg}'::text[]);

-- Shut down by OpenAI (the installed SDK says so); old generations and images keep their model name.
UPDATE models SET fallback_model = NULL WHERE fallback_model IN ('gpt-image-1', 'dall-e-3');
UPDATE models SET enabled = false, available = false, withdrawn_at = now(),
    unavailable_reason = 'OpenAI shut GPT Image 1 down on 2026-10-23.'
    WHERE id = 'gpt-image-1';
UPDATE models SET enabled = false, available = false, withdrawn_at = now(),
    unavailable_reason = 'OpenAI retired DALL·E 3 on 2026-05-12.'
    WHERE id = 'dall-e-3';

-- Per-image prices still cover preset sizes; custom sizes are priced per megapixel and GIFs per frame.
CREATE TABLE model_rates (
    model text NOT NULL REFERENCES models (id),
    unit text NOT NULL CHECK (unit IN ('megapixel', 'frame')),
    quality text NOT NULL,
    credits numeric(10, 3) NOT NULL CHECK (credits > 0),
    provider_cost_usd numeric(10, 4) NOT NULL CHECK (provider_cost_usd >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, unit, quality)
);

INSERT INTO models (id, provider, label, sizes, qualities, max_n, supports_edit, supports_mask, position, custom_sizes,
                    backgrounds, output_formats, previews, usd_per_mtok_input_text, usd_per_mtok_input_image,
                    usd_per_mtok_output_image) VALUES
    ('gpt-image-2.5-flare', 'openai', 'GPT Image 2.5 Flare', '{1024x1024,1536x1024,1024x1536}',
     '{low,medium,high,xhigh,max}', 4, true, true, 1,
     '{"multiple_of": 16, "max_edge": 3840, "max_pixels": 8294400, "max_aspect": 3}',
     '{auto,opaque,transparent}', '{png,webp,jpeg,gif,svg}', true, 5, 8, 30),
    ('gpt-image-2.5-sunburst', 'openai', 'GPT Image 2.5 Sunburst', '{1024x1024,1536x1024,1024x1536}',
     '{low,medium,high,xhigh,max}', 4, true, true, 2,
     '{"multiple_of": 16, "max_edge": 3840, "max_pixels": 8294400, "max_aspect": 3}',
     '{auto,opaque,transparent}', '{png,webp,jpeg,gif,svg}', true, 5, 8, 30),
    ('gpt-image-2', 'openai', 'GPT Image 2', '{1024x1024,1536x1024,1024x1536}', '{low,medium,high}', 4, true, true, 3,
     '{"multiple_of": 16, "max_edge": 3840, "max_pixels": 8294400, "max_aspect": 3}',
     '{auto,opaque}', '{png,webp,jpeg}', true, 5, 8, 30),
    ('gpt-image-1.5', 'openai', 'GPT Image 1.5', '{1024x1024,1536x1024,1024x1536}', '{low,medium,high}', 4, true, true, 4,
     NULL, '{auto,opaque,transparent}', '{png,webp,jpeg}', true, 5, 8, 32),
    ('gpt-image-1-mini', 'openai', 'GPT Image 1 Mini', '{1024x1024,1536x1024,1024x1536}', '{low,medium,high}', 4, true,
     true, 5, NULL, '{auto,opaque,transparent}', '{png,webp,jpeg}', true, 2, 2.5, 8);

UPDATE models SET position = 90 WHERE id = 'gpt-image-1';
UPDATE models SET position = 91 WHERE id = 'dall-e-3';
UPDATE models SET position = 6 WHERE id = 'nova-canvas';
UPDATE models SET position = 7 WHERE id = 'sd3.5-large';
-- Amazon Nova Canvas v1 reached its end of life on Bedrock on 2026-09-30. SD 3.5 Large is served on demand in
-- us-west-2 only; Bedrock stays off unless BEDROCK_ENABLED is set (README).
UPDATE models SET enabled = false, available = false, withdrawn_at = now(), fallback_model = NULL,
    unavailable_reason = 'Amazon Bedrock ended Nova Canvas v1 on 2026-09-30.'
    WHERE id = 'nova-canvas';
UPDATE models SET fallback_model = 'gpt-image-2.5-flare' WHERE id = 'sd3.5-large';
-- The offline renderer takes every option, so `make dev` shows every control without a key.
UPDATE models SET sizes = '{1024x1024,1536x1024,1024x1536,512x512}', qualities = '{low,medium,high,xhigh,max}',
    custom_sizes = '{"multiple_of": 16, "max_edge": 3840, "max_pixels": 8294400, "max_aspect": 3}',
    backgrounds = '{auto,opaque,transparent}', output_formats = '{png,webp,jpeg,gif,svg}', previews = true
    WHERE id = 'placeholder';
DELETE FROM prices WHERE model = 'placeholder';

-- About 1.5x OpenAI's per-image list estimates (token-priced; 1 credit = 1 US cent), rounded up to whole credits.
-- GPT Image 2.5 has GPT Image 2's token rates; xhigh and max are estimated at 2x and 4x high.
INSERT INTO prices (model, size, quality, credits, provider_cost_usd)
SELECT m.model, s.size, q.quality, q.credits, q.cost
FROM (VALUES ('gpt-image-2.5-flare'), ('gpt-image-2.5-sunburst'), ('gpt-image-2')) AS m (model)
CROSS JOIN (VALUES ('1024x1024'), ('1536x1024'), ('1024x1536')) AS s (size)
CROSS JOIN (VALUES ('low', 1, 0.006), ('medium', 8, 0.053), ('high', 32, 0.211), ('xhigh', 64, 0.422),
                   ('max', 127, 0.844)) AS q (quality, credits, cost)
WHERE q.quality IN ('low', 'medium', 'high') OR m.model LIKE 'gpt-image-2.5-%';

INSERT INTO prices (model, size, quality, credits, provider_cost_usd) VALUES
    ('gpt-image-1.5', '1024x1024', 'low', 2, 0.009), ('gpt-image-1.5', '1024x1024', 'medium', 6, 0.034),
    ('gpt-image-1.5', '1024x1024', 'high', 20, 0.133),
    ('gpt-image-1.5', '1536x1024', 'low', 2, 0.013), ('gpt-image-1.5', '1536x1024', 'medium', 8, 0.05),
    ('gpt-image-1.5', '1536x1024', 'high', 30, 0.2),
    ('gpt-image-1.5', '1024x1536', 'low', 2, 0.013), ('gpt-image-1.5', '1024x1536', 'medium', 8, 0.05),
    ('gpt-image-1.5', '1024x1536', 'high', 30, 0.2),
    ('gpt-image-1-mini', '1024x1024', 'low', 1, 0.005), ('gpt-image-1-mini', '1024x1024', 'medium', 2, 0.011),
    ('gpt-image-1-mini', '1024x1024', 'high', 6, 0.036),
    ('gpt-image-1-mini', '1536x1024', 'low', 1, 0.006), ('gpt-image-1-mini', '1536x1024', 'medium', 3, 0.015),
    ('gpt-image-1-mini', '1536x1024', 'high', 8, 0.052),
    ('gpt-image-1-mini', '1024x1536', 'low', 1, 0.006), ('gpt-image-1-mini', '1024x1536', 'medium', 3, 0.015),
    ('gpt-image-1-mini', '1024x1536', 'high', 8, 0.052);

INSERT INTO prices (model, size, quality, credits, provider_cost_usd)
SELECT 'placeholder', s.size, q.quality, 1, 0
FROM (VALUES ('1024x1024'), ('1536x1024'), ('1024x1536'), ('512x512')) AS s (size)
CROSS JOIN (VALUES ('low'), ('medium'), ('high'), ('xhigh'), ('max')) AS q (quality);

-- Custom sizes: the 1024x1024 price per megapixel (1.048576 MP). GIF frames: estimates until OpenAI prices the preview.
INSERT INTO model_rates (model, unit, quality, credits, provider_cost_usd)
SELECT m.model, 'megapixel', q.quality, q.credits, q.cost
FROM (VALUES ('gpt-image-2.5-flare'), ('gpt-image-2.5-sunburst'), ('gpt-image-2')) AS m (model)
CROSS JOIN (VALUES ('low', 1, 0.0058), ('medium', 8, 0.0506), ('high', 31, 0.2013), ('xhigh', 61, 0.4025),
                   ('max', 121, 0.805)) AS q (quality, credits, cost)
WHERE q.quality IN ('low', 'medium', 'high') OR m.model LIKE 'gpt-image-2.5-%';

INSERT INTO model_rates (model, unit, quality, credits, provider_cost_usd)
SELECT m.model, 'frame', q.quality, q.credits, q.cost
FROM (VALUES ('gpt-image-2.5-flare'), ('gpt-image-2.5-sunburst')) AS m (model)
CROSS JOIN (VALUES ('low', 1, 0.004), ('medium', 3, 0.02), ('high', 8, 0.05), ('xhigh', 16, 0.1),
                   ('max', 32, 0.2)) AS q (quality, credits, cost);

INSERT INTO model_rates (model, unit, quality, credits, provider_cost_usd)
SELECT 'placeholder', u.unit, q.quality, u.credits, 0
FROM (VALUES ('megapixel', 1), ('frame', 0.25)) AS u (unit, credits)
CROSS JOIN (VALUES ('low'), ('medium'), ('high'), ('xhigh'), ('max')) AS q (quality);

ALTER TABLE generations
    ADD COLUMN background text NOT NULL DEFAULT 'auto' CHECK (background IN ('auto', 'opaque', 'transparent')),
    ADD COLUMN output_format text NOT NULL DEFAULT 'png' CHECK (output_format IN ('png', 'webp', 'jpeg', 'gif', 'svg')),
    ADD COLUMN frame_count integer CHECK (frame_count BETWEEN 2 AND 16),
    ADD COLUMN input_text_tokens integer CHECK (input_text_tokens >= 0),
    ADD COLUMN input_image_tokens integer CHECK (input_image_tokens >= 0),
    ADD COLUMN output_image_tokens integer CHECK (output_image_tokens >= 0),
    ADD COLUMN output_text_tokens integer CHECK (output_text_tokens >= 0),
    ADD COLUMN actual_cost_usd numeric(12, 6) CHECK (actual_cost_usd >= 0);

ALTER TABLE images DROP CONSTRAINT images_content_type_check;
ALTER TABLE images
    ADD CONSTRAINT images_content_type_check
        CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/svg+xml')),
    ADD COLUMN frames integer NOT NULL DEFAULT 1 CHECK (frames BETWEEN 1 AND 64),
    ADD COLUMN has_alpha boolean NOT NULL DEFAULT false;

-- The latest partial image of each image while it renders; the bytes live in S3 (a short lifecycle cleans them).
CREATE TABLE generation_previews (
    generation_id uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    s3_key text NOT NULL,
    content_type text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (generation_id, position)
);
