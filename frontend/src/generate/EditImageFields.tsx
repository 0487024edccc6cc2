import type { ImageModel } from '../api';
import { ImageUpload } from '../components/ImageUpload';
import type { FieldErrors } from '../forms';
import type { EditImages } from './useEditImages';

interface EditImageFieldsProps {
  model: ImageModel;
  images: EditImages;
  gif: boolean;
  showMask: boolean;
  errors: FieldErrors;
}

/** For models that edit: an image to start from and, where the model takes one, a mask. */
export function EditImageFields({ model, images, gif, showMask, errors }: EditImageFieldsProps) {
  const { source } = images;
  return (
    <fieldset class="upload-group">
      <legend>Start from an image (optional)</legend>
      <ImageUpload
        id="source-image"
        label="Image to edit"
        hint="PNG, JPEG or WebP, up to 10 MB and 4096 × 4096 pixels. It uploads as soon as you choose it."
        testId="source-upload"
        error={errors.source_image_id}
        onBusy={images.setSourceBusy}
        onChange={(image) => {
          images.setSource(image);
          if (!image) images.setMask(null);
        }}
      />
      {model.supports_mask && !source && <p class="muted upload-note">Add an image to edit first to use a mask.</p>}
      {model.supports_mask && source && gif && <p class="muted upload-note">A GIF can't use a mask.</p>}
      {showMask && (
        <ImageUpload
          id="mask-image"
          label="Mask"
          hint="Optional: transparent areas of the mask mark where the image may change. Same size as the image to edit."
          testId="mask-upload"
          error={errors.mask_image_id}
          onBusy={images.setMaskBusy}
          onChange={images.setMask}
        />
      )}
    </fieldset>
  );
}
