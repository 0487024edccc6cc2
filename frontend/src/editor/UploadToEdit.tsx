import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { describeError } from '../forms';
import { uploadImage } from '../uploads';

const ACCEPTED = 'image/png,image/jpeg,image/webp';

/** Opens a picture from this device in the editor: it becomes an upload, which the editor edits like any image. */
export function UploadToEdit() {
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function handleChange(event: Event) {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file || busy) return;
    setBusy(true);
    setError(null);
    try {
      const upload = await uploadImage(file);
      route(`/images/${encodeURIComponent(upload.id)}/edit`);
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="upload-to-edit">
      <label class="btn btn-secondary btn-small upload-to-edit-button" aria-busy={busy ? 'true' : undefined}>
        {busy && <span class="spinner" aria-hidden="true" />}
        Edit a picture from your device
        <input type="file" accept={ACCEPTED} class="visually-hidden" onChange={handleChange} data-testid="upload-to-edit" />
      </label>
      <span class="visually-hidden" role="status">
        {busy ? 'Uploading the picture…' : ''}
      </span>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
