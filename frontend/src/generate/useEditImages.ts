import { useState } from 'preact/hooks';
import type { ImageModel } from '../api';
import type { UploadedImage } from '../components/ImageUpload';

export interface EditImages {
  source: UploadedImage | null;
  mask: UploadedImage | null;
  sourceBusy: boolean;
  maskBusy: boolean;
  setSource: (image: UploadedImage | null) => void;
  setMask: (image: UploadedImage | null) => void;
  setSourceBusy: (busy: boolean) => void;
  setMaskBusy: (busy: boolean) => void;
  /** Drop what the newly chosen model can't use. */
  fit: (model: ImageModel) => void;
}

/** An image to edit and its mask, uploaded as soon as they are chosen. */
export function useEditImages(): EditImages {
  const [source, setSource] = useState<UploadedImage | null>(null);
  const [mask, setMask] = useState<UploadedImage | null>(null);
  const [sourceBusy, setSourceBusy] = useState(false);
  const [maskBusy, setMaskBusy] = useState(false);

  function fit(model: ImageModel) {
    if (!model.supports_edit) setSource(null);
    if (!model.supports_edit || !model.supports_mask) setMask(null);
  }

  return { source, mask, sourceBusy, maskBusy, setSource, setMask, setSourceBusy, setMaskBusy, fit };
}
