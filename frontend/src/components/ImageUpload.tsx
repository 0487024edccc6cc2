import { useEffect, useRef, useState } from 'preact/hooks';
import type { Upload } from '../api';
import { formatPercent, formatSize } from '../format';
import { describeError } from '../forms';
import { canRetryUpload, uploadImage, type UploadAttempt } from '../uploads';
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
 * A file input that uploads the chosen picture straight away (a ticket from POST /v1/uploads, the file straight to
 * storage, then the API's check: uploads.ts), showing how much has gone, and then a preview from a local blob:
 * URL with a button to remove it. A failure that trying again may mend offers a button for that.
 */
export function ImageUpload({ id, label, hint, onChange, onBusy, error, testId }: ImageUploadProps) {
  const input = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | null>(null);
  const [uploaded, setUploaded] = useState<UploadedImage | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ownError, setOwnError] = useState<string | null>(null);
  const [progress, setProgress] = useState(0);
  const [checking, setChecking] = useState(false);
  // The file that failed in a way trying again may mend, and how far it got.
  const [retry, setRetry] = useState<{ file: File; attempt: UploadAttempt } | null>(null);

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

  async function handleFile(file: File | undefined, attempt: UploadAttempt = {}) {
    clear();
    setOwnError(null);
    setRetry(null);
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
    setProgress(0);
    setChecking(false);
    setBusyBoth(true);
    try {
      const result = await uploadImage(file, {
        signal: current.signal,
        attempt,
        onProgress: (fraction) => {
          if (!current.signal.aborted) setProgress(fraction);
        },
        onChecking: () => {
          if (!current.signal.aborted) setChecking(true);
        },
      });
      if (current.signal.aborted) return;
      const image = { ...result, name: file.name };
      setUploaded(image);
      setPreview(URL.createObjectURL(file));
      onChange(image);
    } catch (failure) {
      if (current.signal.aborted) return;
      setOwnError(describeError(failure, []).form);
      if (canRetryUpload(failure)) setRetry({ file, attempt });
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
    setRetry(null);
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
        {busy
          ? `${checking ? 'Checking' : 'Uploading'} the ${label.toLowerCase()}…`
          : uploaded
            ? `${uploaded.name} uploaded.`
            : ''}
      </p>
      {busy && (
        <p class="loading upload-progress" aria-hidden="true">
          <span class="spinner" /> {checking ? 'Checking the image…' : `Uploading… ${formatPercent(Math.floor(progress * 100), 0)}`}
        </p>
      )}
      {busy && !checking && (
        <progress max={1} value={progress} aria-label={`Upload of the ${label.toLowerCase()}`} data-testid={testId && `${testId}-progress`} />
      )}
      {uploaded && preview && (
        <div class="upload-preview">
          <img src={preview} alt={`Preview of the ${label.toLowerCase()}`} width={uploaded.width} height={uploaded.height} />
          <div class="upload-meta">
            <p id={statusId}>
              <span class="upload-name">{uploaded.name}</span>{' '}
              <span class="muted">
                {formatSize(uploaded.width, uploaded.height)}
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
      {retry && ownError && (
        <button type="button" class="btn btn-secondary btn-small" onClick={() => void handleFile(retry.file, retry.attempt)}>
          Try again<span class="visually-hidden"> to upload {retry.file.name}</span>
        </button>
      )}
    </div>
  );
}
