-- The editing studio (issue 17): every generation says which operation made it and with which parameters, so
-- the library can show an image's lineage; models say which input fidelities their edits take (the installed
-- openai SDK: gpt-image-1.5 takes low and high, gpt-image-1-mini only low, the GPT Image 2 family none).
ALTER TABLE models
    ADD COLUMN input_fidelity text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT models_input_fidelity_check CHECK (input_fidelity <@ '{low,high}'::text[]);
UPDATE models SET input_fidelity = '{low,high}' WHERE id IN ('gpt-image-1.5', 'placeholder');
UPDATE models SET input_fidelity = '{low}' WHERE id = 'gpt-image-1-mini';

ALTER TABLE generations
    ADD COLUMN operation text NOT NULL DEFAULT 'generate',
    ADD COLUMN operation_params jsonb NOT NULL DEFAULT '{}',
    ADD CONSTRAINT generations_operation_check CHECK (operation IN
        ('generate', 'edit', 'inpaint', 'outpaint', 'upscale', 'remove_background', 'variation')),
    ADD CONSTRAINT generations_operation_params_check CHECK (jsonb_typeof(operation_params) = 'object');
UPDATE generations SET operation = CASE WHEN mask_image_id IS NOT NULL THEN 'inpaint' ELSE 'edit' END
    WHERE source_image_id IS NOT NULL;

-- Each image names the image it was made from and how, copied from its generation when stored, so the image
-- page shows its lineage with an indexed lookup either way. Deleting a source leaves its results in place.
ALTER TABLE images
    ADD COLUMN operation text NOT NULL DEFAULT 'generate',
    ADD COLUMN parent_image_id uuid REFERENCES images (id) ON DELETE SET NULL;
UPDATE images i SET operation = g.operation,
    parent_image_id = (SELECT p.id FROM images p WHERE p.id = g.source_image_id)
    FROM generations g WHERE g.id = i.generation_id;
CREATE INDEX images_parent_idx ON images (parent_image_id) WHERE parent_image_id IS NOT NULL;
