CREATE TABLE models (
    id text PRIMARY KEY,
    provider text NOT NULL CHECK (provider IN ('openai', 'bedrock', 'placeholder')),
    label text NOT NULL,
    sizes text[] NOT NULL,
    qualities text[] NOT NULL,
    max_n integer NOT NULL CHECK (max_n BETWEEN 1 AND 10),
    supports_edit boolean NOT NULL DEFAULT false,
    supports_mask boolean NOT NULL DEFAULT false,
    enabled boolean NOT NULL DEFAULT true,
    fallback_model text REFERENCES models (id),
    position integer NOT NULL DEFAULT 0
);

-- Credits per image, with what the provider charges us (list price) beside it for margin reports.
CREATE TABLE prices (
    model text NOT NULL REFERENCES models (id),
    size text NOT NULL,
    quality text NOT NULL,
    credits integer NOT NULL CHECK (credits > 0),
    provider_cost_usd numeric(10, 4) NOT NULL CHECK (provider_cost_usd >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, size, quality)
);

INSERT INTO models (id, provider, label, sizes, qualities, max_n, supports_edit, supports_mask, fallback_model, position) VALUES
    ('gpt-image-1', 'openai', 'GPT Image 1', '{1024x1024,1536x1024,1024x1536}', '{low,medium,high}', 4, true, true, NULL, 1),
    ('dall-e-3', 'openai', 'DALL·E 3', '{1024x1024,1792x1024,1024x1792}', '{standard,hd}', 1, false, false, NULL, 2),
    ('nova-canvas', 'bedrock', 'Amazon Nova Canvas', '{1024x1024,1280x720,720x1280}', '{standard,premium}', 4, false, false, NULL, 3),
    ('sd3.5-large', 'bedrock', 'Stable Diffusion 3.5 Large', '{1024x1024}', '{standard}', 1, false, false, NULL, 4),
    ('placeholder', 'placeholder', 'Offline placeholder (not AI)', '{512x512,1024x1024,1536x1024,1024x1536}', '{standard}', 4, true, true, NULL, 9);
UPDATE models SET fallback_model = 'nova-canvas' WHERE id = 'dall-e-3';
UPDATE models SET fallback_model = 'dall-e-3' WHERE id = 'nova-canvas';

-- About 1.5x the providers' list prices, rounded up to whole credits (1 credit = 1 US cent).
INSERT INTO prices (model, size, quality, credits, provider_cost_usd) VALUES
    ('gpt-image-1', '1024x1024', 'low', 2, 0.011), ('gpt-image-1', '1024x1024', 'medium', 7, 0.042),
    ('gpt-image-1', '1024x1024', 'high', 25, 0.167),
    ('gpt-image-1', '1536x1024', 'low', 3, 0.016), ('gpt-image-1', '1536x1024', 'medium', 10, 0.063),
    ('gpt-image-1', '1536x1024', 'high', 38, 0.25),
    ('gpt-image-1', '1024x1536', 'low', 3, 0.016), ('gpt-image-1', '1024x1536', 'medium', 10, 0.063),
    ('gpt-image-1', '1024x1536', 'high', 38, 0.25),
    ('dall-e-3', '1024x1024', 'standard', 6, 0.04), ('dall-e-3', '1024x1024', 'hd', 12, 0.08),
    ('dall-e-3', '1792x1024', 'standard', 12, 0.08), ('dall-e-3', '1792x1024', 'hd', 18, 0.12),
    ('dall-e-3', '1024x1792', 'standard', 12, 0.08), ('dall-e-3', '1024x1792', 'hd', 18, 0.12),
    ('nova-canvas', '1024x1024', 'standard', 6, 0.04), ('nova-canvas', '1024x1024', 'premium', 9, 0.06),
    ('nova-canvas', '1280x720', 'standard', 6, 0.04), ('nova-canvas', '1280x720', 'premium', 9, 0.06),
    ('nova-canvas', '720x1280', 'standard', 6, 0.04), ('nova-canvas', '720x1280', 'premium', 9, 0.06),
    ('sd3.5-large', '1024x1024', 'standard', 12, 0.08),
    ('placeholder', '512x512', 'standard', 1, 0), ('placeholder', '1024x1024', 'standard', 1, 0),
    ('placeholder', '1536x1024', 'standard', 1, 0), ('placeholder', '1024x1536', 'standard', 1, 0);

CREATE TABLE settings (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings (key, value) VALUES ('provider_fallback', 'true');

CREATE TABLE style_presets (
    id text PRIMARY KEY,
    label text NOT NULL,
    prompt_suffix text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true
);
INSERT INTO style_presets (id, label, prompt_suffix, position) VALUES
    ('photo', 'Photo', 'photorealistic photograph, natural light, sharp focus, 35mm', 1),
    ('anime', 'Anime', 'anime style illustration, clean line art, vibrant cel shading', 2),
    ('watercolor', 'Watercolor', 'delicate watercolor painting, soft washes, paper texture', 3),
    ('isometric', 'Isometric', 'isometric 3D render, clean geometry, soft shadows', 4),
    ('pixel-art', 'Pixel art', '16-bit pixel art, limited palette, crisp pixels', 5),
    ('cinematic', 'Cinematic', 'cinematic still, dramatic lighting, shallow depth of field, film grain', 6);

CREATE TABLE prompt_templates (
    id text PRIMARY KEY,
    label text NOT NULL,
    template text NOT NULL,
    variables text[] NOT NULL,
    position integer NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true
);
INSERT INTO prompt_templates (id, label, template, variables, position) VALUES
    ('product', 'Product shot', 'A studio product photo of {product} on a {surface}, soft box lighting', '{product,surface}', 1),
    ('portrait', 'Portrait', 'A portrait of {subject} in {setting}, expressive, detailed', '{subject,setting}', 2),
    ('logo', 'Logo idea', 'A minimal flat logo for {brand}, a {symbol} motif, two colours', '{brand,symbol}', 3),
    ('landscape', 'Landscape', 'A wide landscape of {place} at {time_of_day}', '{place,time_of_day}', 4);

CREATE TABLE generations (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    prompt text NOT NULL CHECK (length(prompt) BETWEEN 1 AND 4000),
    final_prompt text NOT NULL,
    negative_prompt text,
    style_preset text,
    model text NOT NULL REFERENCES models (id),
    provider text,
    size text NOT NULL,
    quality text NOT NULL,
    n integer NOT NULL CHECK (n BETWEEN 1 AND 10),
    seed bigint NOT NULL,
    source_image_id uuid,
    mask_image_id uuid,
    unit_credits integer NOT NULL CHECK (unit_credits > 0),
    cost_credits integer NOT NULL CHECK (cost_credits > 0),
    refunded_credits integer NOT NULL DEFAULT 0 CHECK (refunded_credits BETWEEN 0 AND cost_credits),
    unit_cost_usd numeric(10, 4) NOT NULL,
    provider_cost_usd numeric(10, 4) NOT NULL DEFAULT 0,
    provider_latency_ms integer,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    enqueued_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    search tsvector GENERATED ALWAYS AS (to_tsvector('english', prompt)) STORED
);
CREATE INDEX generations_user_created_idx ON generations (user_id, created_at DESC, id DESC);
CREATE INDEX generations_pending_idx ON generations (status, created_at) WHERE status IN ('queued', 'running');
CREATE INDEX generations_search_idx ON generations USING gin (search);

CREATE TABLE images (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    generation_id uuid REFERENCES generations (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('generated', 'upload')),
    position integer NOT NULL DEFAULT 0,
    width integer NOT NULL CHECK (width > 0),
    height integer NOT NULL CHECK (height > 0),
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes integer NOT NULL CHECK (bytes > 0),
    sha256 bytea NOT NULL,
    s3_key text NOT NULL,
    favorite boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    UNIQUE (generation_id, position)
);
CREATE INDEX images_user_created_idx ON images (user_id, created_at DESC, id DESC);

-- Bytes apart from the rows, so listing images never reads them.
CREATE TABLE image_blobs (
    image_id uuid PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
    data bytea NOT NULL,
    thumbnail bytea NOT NULL
);
