import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Upload } from '../api';
import { describeError } from '../forms';
import './ImageUpload.css';

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp'];
const MAX_BYTES = 10 * 1024 * 1024;

export interface UploadedImage extends Upload {
  name: string;
}

interface ImageUploadProps {
  id: string;
  label: string;
  hint: string;
  /** Told about the uploaded image, or null once it is removed. */
  onChange: (image: UploadedImage | null) => void;
  onBusy: (busy: boolean) => void;
  /** An error about this image from the form's submit. */
  error?: string;
  testId?: string;
}

/**
 * A file input that uploads the chosen picture straight away (raw bytes to POST /v1/uploads) and
 * shows a preview from a local blob: URL, with a button to remove it.
 */
export function ImageUpload({ id, label, hint, onChange, onBusy, error, testId }: ImageUploadProps) {
  const input = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | null>(null);
  const [uploaded, setUploaded] = useState<UploadedImage | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ownError, setOwnError] = useState<string | null>(null);

  const onBusyLatest = useRef(onBusy);
  onBusyLatest.current = onBusy;
  // Leaving mid-upload (e.g. the model changed) cancels it, and the form must not wait for it any more.
  useEffect(
    () => () => {
      controller.current?.abort();
      onBusyLatest.current(false);
    },
    [],
  );
  useEffect(() => {
    if (!preview) return;
    return () => URL.revokeObjectURL(preview);
  }, [preview]);

  function setBusyBoth(value: boolean) {
    setBusy(value);
    onBusy(value);
  }

  function clear() {
    controller.current?.abort();
    controller.current = null;
    setUploaded(null);
    setPreview(null);
    if (busy) setBusyBoth(false);
    onChange(null);
  }

  async function handleFile(file: File | undefined) {
    clear();
    setOwnError(null);
    if (!file) return;
    if (!ACCEPTED.includes(file.type)) {
      setOwnError('Choose a PNG, JPEG or WebP image.');
      return;
    }
    if (file.size > MAX_BYTES) {
      setOwnError('Images are at most 10 MB. Choose a smaller file.');
      return;
    }
    const current = new AbortController();
    controller.current = current;
    setBusyBoth(true);
    try {
      const result = await api.upload(file, current.signal);
      if (current.signal.aborted) return;
      const image = { ...result, name: file.name };
      setUploaded(image);
      setPreview(URL.createObjectURL(file));
      onChange(image);
    } catch (failure) {
      if (current.signal.aborted) return;
      setOwnError(describeError(failure, []).form);
      if (input.current) input.current.value = '';
    } finally {
      if (!current.signal.aborted) {
        controller.current = null;
        setBusyBoth(false);
      }
    }
  }

  function remove() {
    clear();
    setOwnError(null);
    if (input.current) {
      input.current.value = '';
      input.current.focus();
    }
  }

  const message = ownError ?? error;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const statusId = `${id}-status`;

  return (
    <div class="field upload-field" data-testid={testId}>
      <label for={id}>{label}</label>
      <p id={hintId} class="field-hint">
        {hint}
      </p>
      <input
        ref={input}
        id={id}
        name={id}
        type="file"
        accept={ACCEPTED.join(',')}
        class="file-input"
        onChange={(event) => void handleFile(event.currentTarget.files?.[0])}
        aria-invalid={message ? 'true' : undefined}
        aria-describedby={[hintId, message ? errorId : null, uploaded ? statusId : null].filter(Boolean).join(' ')}
      />
      <p class="visually-hidden" role="status">
        {busy ? `Uploading the ${label.toLowerCase()}…` : uploaded ? `${uploaded.name} uploaded.` : ''}
      </p>
      {busy && (
        <p class="loading upload-progress" aria-hidden="true">
          <span class="spinner" /> Uploading…
        </p>
      )}
      {uploaded && preview && (
        <div class="upload-preview">
          <img src={preview} alt={`Preview of the ${label.toLowerCase()}`} width={uploaded.width} height={uploaded.height} />
          <div class="upload-meta">
            <p id={statusId}>
              <span class="upload-name">{uploaded.name}</span>{' '}
              <span class="muted">
                {uploaded.width} × {uploaded.height}
              </span>
            </p>
            <button type="button" class="btn btn-secondary btn-small" onClick={remove}>
              Remove<span class="visually-hidden"> {label.toLowerCase()}</span>
            </button>
          </div>
        </div>
      )}
      {message && (
        <p id={errorId} class="field-error">
          {message}
        </p>
      )}
    </div>
  );
}
