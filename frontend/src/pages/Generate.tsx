import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  type Generation,
  type GenerationRequest,
  type ImageModel,
  type PromptTemplate,
  type Quote,
  type User,
} from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { FormAlert } from '../components/FormAlert';
import { DownloadImageButton, ImageView } from '../components/GeneratedImage';
import { GenerationThumb } from '../components/GenerationThumbs';
import { ImageUpload, type UploadedImage } from '../components/ImageUpload';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { newIdempotencyKey } from '../credits';
import { formatDateTime } from '../format';
import { type FieldErrors, type FormErrors, describeError, useFormSubmit } from '../forms';
import {
  creditsText,
  fillTemplate,
  generationStatusLabel,
  isFinished,
  modelLabel,
  sizeLabel,
  titleCase,
  unfilledVariables,
  unitPrice,
} from '../generations';
import { useApiData, usePageTitle } from '../hooks';

const FIELDS = [
  'prompt',
  'model',
  'size',
  'quality',
  'n',
  'style_preset',
  'negative_prompt',
  'source_image_id',
  'mask_image_id',
] as const;
const MAX_PROMPT = 4000;
const MAX_NEGATIVE = 2000;
const QUOTE_DEBOUNCE_MS = 350;
const RECENT_COUNT = 10;
const OFFLINE_NOTICE = 'Pictures are drawn by the offline placeholder renderer, not by AI.';

/** Poll every 700 ms at first, backing off to every 5 s, for about two minutes. */
const POLL_FIRST_MS = 700;
const POLL_MAX_MS = 5_000;
const POLL_BACKOFF = 1.4;
const POLL_GIVE_UP_MS = 120_000;

export function Generate() {
  usePageTitle('Generate');
  return <RequireAuth>{(user) => <GenerateContent user={user} />}</RequireAuth>;
}

interface Attempt {
  body: string;
  key: string;
}

interface QuoteState {
  key: string;
  quote: Quote | null;
  errors: FormErrors | null;
}

interface Shortfall {
  cost: number;
  balance: number;
}

type PollPhase = 'idle' | 'polling' | 'done' | 'gave_up' | 'error';

/** Ask for the balance after a charge or refund; the header and cards follow the session's number. */
function refreshBalance(): void {
  api
    .credits()
    .then((result) => updateCredits(result.balance))
    .catch(() => undefined); // The old number stays; the generation's own outcome matters more.
}

function GenerateContent({ user }: { user: User }) {
  const models = useApiData((signal) => api.models(signal).then((result) => result.items));
  const presets = useApiData((signal) => api.stylePresets(signal).then((result) => result.items));
  const templates = useApiData((signal) => api.promptTemplates(signal).then((result) => result.items));
  const credits = useApiData((signal) =>
    api.credits(signal).then((result) => {
      updateCredits(result.balance);
      return result;
    }),
  );
  const [recentRound, setRecentRound] = useState(0);
  const recent = useApiData((signal) => api.generations({ limit: RECENT_COUNT }, signal), [recentRound]);

  // The form.
  const [prompt, setPrompt] = useState('');
  const [modelId, setModelId] = useState('');
  const [size, setSize] = useState('');
  const [quality, setQuality] = useState('');
  const [count, setCount] = useState(1);
  const [style, setStyle] = useState('');
  const [negative, setNegative] = useState('');
  const [moreOpen, setMoreOpen] = useState(false);
  const [templateId, setTemplateId] = useState('');
  const [templateValues, setTemplateValues] = useState<Record<string, string>>({});
  const [source, setSource] = useState<UploadedImage | null>(null);
  const [mask, setMask] = useState<UploadedImage | null>(null);
  const [sourceBusy, setSourceBusy] = useState(false);
  const [maskBusy, setMaskBusy] = useState(false);

  const { busy, errors, run, clear, formRef } = useFormSubmit(FIELDS);
  const attempt = useRef<Attempt | null>(null);
  const [shortfall, setShortfall] = useState<Shortfall | null>(null);

  // The generation in progress.
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [phase, setPhase] = useState<PollPhase>('idle');
  const [pollError, setPollError] = useState<string | null>(null);
  const [pollRound, setPollRound] = useState(0);

  const modelList = models.data ?? [];
  const model: ImageModel | undefined = modelList.find((item) => item.id === modelId);
  const template: PromptTemplate | undefined = templates.data?.find((item) => item.id === templateId);
  const preset = presets.data?.find((item) => item.id === style);

  // Start with the first model once the list arrives (or again if the chosen one disappeared).
  useEffect(() => {
    if (!models.data || models.data.some((item) => item.id === modelId)) return;
    const first = models.data[0];
    if (first) applyModel(first);
  }, [models.data]);

  function applyModel(next: ImageModel) {
    setModelId(next.id);
    setSize(next.sizes[0] ?? '');
    setQuality(next.qualities[0] ?? '');
    setCount((current) => Math.min(Math.max(1, current), Math.max(1, next.max_n)));
    if (!next.supports_edit) setSource(null);
    if (!next.supports_edit || !next.supports_mask) setMask(null);
  }

  const showSource = !!model?.supports_edit;
  const showMask = showSource && !!model?.supports_mask && !!source;
  const uploading = (showSource && sourceBusy) || (showMask && maskBusy);

  const body: GenerationRequest | null = model
    ? {
        prompt,
        model: model.id,
        size,
        quality,
        n: count,
        ...(style ? { style_preset: style } : {}),
        ...(negative.trim() ? { negative_prompt: negative } : {}),
        ...(showSource && source ? { source_image_id: source.id } : {}),
        ...(showMask && mask ? { mask_image_id: mask.id } : {}),
      }
    : null;
  const bodyKey = body ? JSON.stringify(body) : '';
  const quotable = !!body && prompt.trim().length > 0 && prompt.length <= MAX_PROMPT && negative.length <= MAX_NEGATIVE;

  // Live price: ask the API once the inputs settle; until then (or without a prompt) use the model's price list.
  const [quote, setQuote] = useState<QuoteState | null>(null);
  const [quoting, setQuoting] = useState(false);
  useEffect(() => {
    if (!body || !quotable) {
      setQuoting(false);
      return;
    }
    if (quote?.key === bodyKey) {
      setQuoting(false);
      return;
    }
    const controller = new AbortController();
    setQuoting(true);
    const timer = setTimeout(() => {
      api.quote(body, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          setQuote({ key: bodyKey, quote: result, errors: null });
          setQuoting(false);
        },
        (failure: unknown) => {
          if (controller.signal.aborted) return;
          setQuote({ key: bodyKey, quote: null, errors: describeError(failure, FIELDS) });
          setQuoting(false);
        },
      );
    }, QUOTE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [bodyKey, quotable]);

  const currentQuote = quote?.key === bodyKey ? quote : null;
  const unit = unitPrice(model, size, quality);
  const cost = currentQuote?.quote?.cost_credits ?? (unit === null ? null : unit * count);
  const balance = user.credits;
  const short = cost !== null && cost > balance;
  // A quote's complaint about a choice shows beside that choice; the submit's errors take precedence.
  const quoteFieldErrors = currentQuote?.errors?.fields ?? {};
  const fieldErrors: FieldErrors = { ...quoteFieldErrors, ...errors.fields };
  const quoteProblem = currentQuote?.errors?.form ?? null;

  // Follow the generation until it finishes.
  const pollingId = generation && !isFinished(generation.status) ? generation.id : null;
  useEffect(() => {
    if (!pollingId) return;
    const controller = new AbortController();
    const startedAt = Date.now();
    let delay = POLL_FIRST_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setPhase('polling');
    setPollError(null);

    async function poll() {
      try {
        const result = await api.generation(pollingId!, controller.signal);
        if (controller.signal.aborted) return;
        setGeneration(result);
        if (isFinished(result.status)) {
          setPhase('done');
          if (result.refunded_credits > 0) refreshBalance();
          setRecentRound((n) => n + 1);
          return;
        }
      } catch (failure) {
        if (controller.signal.aborted) return;
        // A definite "no" ends it; network trouble and server errors are retried.
        if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500 && failure.status !== 429) {
          setPollError(describeError(failure, []).form);
          setPhase('error');
          return;
        }
      }
      if (Date.now() - startedAt + delay > POLL_GIVE_UP_MS) {
        setPhase('gave_up');
        return;
      }
      timer = setTimeout(poll, delay);
      delay = Math.min(POLL_MAX_MS, Math.round(delay * POLL_BACKOFF));
    }

    timer = setTimeout(poll, delay);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [pollingId, pollRound]);

  function changeTemplate(id: string) {
    setTemplateId(id);
    setTemplateValues({});
    const next = templates.data?.find((item) => item.id === id);
    if (next) setPrompt(fillTemplate(next, {}));
    clear();
  }

  function changeTemplateValue(name: string, value: string) {
    const values = { ...templateValues, [name]: value };
    setTemplateValues(values);
    if (template) setPrompt(fillTemplate(template, values));
    if (errors.fields[`template-${name}`] || errors.fields.prompt) clear();
  }

  function validate(): FieldErrors {
    const invalid: FieldErrors = {};
    if (template) {
      for (const name of unfilledVariables(template, prompt)) {
        invalid[`template-${name}`] = `Fill in the ${titleCase(name).toLowerCase()}, or edit the prompt yourself.`;
      }
    }
    if (!prompt.trim()) invalid.prompt = 'Describe the image you want.';
    else if (prompt.length > MAX_PROMPT) invalid.prompt = `The prompt is at most ${MAX_PROMPT} characters.`;
    if (negative.length > MAX_NEGATIVE) {
      invalid.negative_prompt = `The negative prompt is at most ${MAX_NEGATIVE} characters.`;
      setMoreOpen(true);
    }
    return invalid;
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (!body || short || uploading) return;
    setShortfall(null);
    void run(validate, async () => {
      // One key per attempt: a double click or a retry of the same request reuses it.
      if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newIdempotencyKey() };
      try {
        const created = await api.generate(body, attempt.current.key);
        attempt.current = null; // Done: the next click is a new request, even with the same prompt.
        setPhase(isFinished(created.status) ? 'done' : 'polling');
        setPollError(null);
        setGeneration(created);
        refreshBalance();
        setRecentRound((n) => n + 1);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'insufficient_credits') {
          attempt.current = null;
          const price = numberDetail(error.details.cost) ?? cost ?? 0;
          const have = numberDetail(error.details.balance) ?? balance;
          updateCredits(have);
          setShortfall({ cost: price, balance: have });
          return;
        }
        // A definite refusal ends this attempt; after network trouble or a server error, retry with the same key.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && ![409, 429].includes(error.status)) {
          attempt.current = null;
        }
        if (error instanceof ApiError && error.field === 'negative_prompt') setMoreOpen(true);
        throw error;
      }
    });
  }

  function handlePromptKey(event: KeyboardEvent) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      formRef.current?.requestSubmit();
    }
  }

  const promptError = fieldErrors.prompt;
  const promptDescribedBy = ['prompt-hint', 'prompt-count', promptError ? 'prompt-error' : null].filter(Boolean).join(' ');
  const working = busy || phase === 'polling';

  return (
    <>
      <h1 class="page-title" id="generate-title">
        Generate images
      </h1>

      <LoadError message={credits.error} onRetry={credits.retry} />

      <div class="generate-layout">
        <div class="generate-main">
          <LoadError message={models.error} onRetry={models.retry} />
          {models.loading && !models.data && (
            <p class="loading" role="status">
              <span class="spinner" aria-hidden="true" /> Loading image models…
            </p>
          )}
          {models.data && modelList.length === 0 && (
            <p class="alert alert-error" role="alert">
              No image model is available right now. Please try again later.
            </p>
          )}

          {model && (
            <form ref={formRef} class="generate-form" onSubmit={handleSubmit} noValidate aria-labelledby="generate-title">
              <FormAlert message={errors.form} />

              <LoadError message={templates.error} onRetry={templates.retry} />
              {templates.data && templates.data.length > 0 && (
                <div class="field">
                  <label for="template">Prompt template</label>
                  <p id="template-hint" class="field-hint">
                    Optional: pick a template and fill in the blanks to write the prompt.
                  </p>
                  <select
                    id="template"
                    name="template"
                    value={templateId}
                    onChange={(event) => changeTemplate(event.currentTarget.value)}
                    aria-describedby="template-hint"
                  >
                    <option value="">None</option>
                    {templates.data.map((item) => (
                      <option key={item.id} value={item.id}>
                        {item.label}
                      </option>
                    ))}
                  </select>
                </div>
              )}

              {template && template.variables.length > 0 && (
                <fieldset class="template-vars" data-testid="template-variables">
                  <legend>Fill in the template</legend>
                  <p class="field-hint template-text">{template.template}</p>
                  {template.variables.map((name) => {
                    const id = `template-${name}`;
                    const error = fieldErrors[id];
                    return (
                      <div class="field" key={id}>
                        <label for={id}>{titleCase(name)}</label>
                        <input
                          id={id}
                          name={id}
                          type="text"
                          value={templateValues[name] ?? ''}
                          onInput={(event) => changeTemplateValue(name, event.currentTarget.value)}
                          aria-invalid={error ? 'true' : undefined}
                          aria-describedby={error ? `${id}-error` : undefined}
                        />
                        {error && (
                          <p id={`${id}-error`} class="field-error">
                            {error}
                          </p>
                        )}
                      </div>
                    );
                  })}
                </fieldset>
              )}

              <div class="field">
                <label for="prompt">Prompt</label>
                <p id="prompt-hint" class="field-hint">
                  Describe the picture you want. Press Ctrl+Enter (⌘+Enter on a Mac) to generate.
                </p>
                <textarea
                  id="prompt"
                  name="prompt"
                  rows={4}
                  maxLength={MAX_PROMPT}
                  value={prompt}
                  onInput={(event) => {
                    setPrompt(event.currentTarget.value);
                    if (errors.fields.prompt) clear();
                  }}
                  onKeyDown={handlePromptKey}
                  required
                  aria-required="true"
                  aria-invalid={promptError ? 'true' : undefined}
                  aria-describedby={promptDescribedBy}
                  data-testid="prompt"
                />
                <p id="prompt-count" class={prompt.length > MAX_PROMPT ? 'char-count char-count-over' : 'char-count'}>
                  {prompt.length.toLocaleString('en-US')} / {MAX_PROMPT.toLocaleString('en-US')} characters
                </p>
                {promptError && (
                  <p id="prompt-error" class="field-error" data-testid="prompt-error">
                    {promptError}
                  </p>
                )}
              </div>

              <SelectField
                id="model"
                label="Model"
                value={model.id}
                error={fieldErrors.model}
                describedBy={model.offline ? 'offline-notice' : undefined}
                onValue={(value) => {
                  const next = modelList.find((item) => item.id === value);
                  if (next) applyModel(next);
                }}
                options={modelList.map((item) => ({ value: item.id, label: modelLabel(item) }))}
              />
              {model.offline && (
                <p id="offline-notice" class="alert alert-info offline-notice" data-testid="offline-notice">
                  {OFFLINE_NOTICE}
                </p>
              )}

              <div class="field-row">
                <SelectField
                  id="size"
                  label="Size"
                  value={size}
                  error={fieldErrors.size}
                  onValue={setSize}
                  options={model.sizes.map((item) => ({ value: item, label: sizeLabel(item) }))}
                />
                <SelectField
                  id="quality"
                  label="Quality"
                  value={quality}
                  error={fieldErrors.quality}
                  onValue={setQuality}
                  options={model.qualities.map((item) => ({ value: item, label: titleCase(item) }))}
                />
                <SelectField
                  id="n"
                  label="Number of images"
                  value={String(count)}
                  error={fieldErrors.n}
                  onValue={(value) => setCount(Number(value))}
                  options={Array.from({ length: Math.max(1, model.max_n) }, (_, index) => ({
                    value: String(index + 1),
                    label: String(index + 1),
                  }))}
                />
              </div>

              <LoadError message={presets.error} onRetry={presets.retry} />
              <SelectField
                id="style"
                label="Style"
                value={style}
                error={fieldErrors.style_preset}
                hint={preset ? `Adds to your prompt: “${preset.prompt_suffix}”` : 'No style is added to your prompt.'}
                onValue={setStyle}
                options={[
                  { value: '', label: 'None' },
                  ...(presets.data ?? []).map((item) => ({ value: item.id, label: item.label })),
                ]}
              />

              {showSource && (
                <fieldset class="upload-group">
                  <legend>Start from an image (optional)</legend>
                  <ImageUpload
                    id="source-image"
                    label="Image to edit"
                    hint="PNG, JPEG or WebP, up to 10 MB and 4096 × 4096 pixels. It uploads as soon as you choose it."
                    testId="source-upload"
                    error={fieldErrors.source_image_id}
                    onBusy={setSourceBusy}
                    onChange={(image) => {
                      setSource(image);
                      if (!image) setMask(null);
                    }}
                  />
                  {model.supports_mask && !source && (
                    <p class="muted upload-note">Add an image to edit first to use a mask.</p>
                  )}
                  {showMask && (
                    <ImageUpload
                      id="mask-image"
                      label="Mask"
                      hint="Optional: transparent areas of the mask mark where the image may change. Same size as the image to edit."
                      testId="mask-upload"
                      error={fieldErrors.mask_image_id}
                      onBusy={setMaskBusy}
                      onChange={setMask}
                    />
                  )}
                </fieldset>
              )}

              <details
                class="more-options"
                open={moreOpen || !!fieldErrors.negative_prompt}
                onToggle={(event) => setMoreOpen(event.currentTarget.open)}
              >
                <summary>More options</summary>
                <div class="field">
                  <label for="negative-prompt">Negative prompt</label>
                  <p id="negative-prompt-hint" class="field-hint">
                    Optional: what to leave out of the picture, up to {MAX_NEGATIVE.toLocaleString('en-US')} characters.
                  </p>
                  <textarea
                    id="negative-prompt"
                    name="negative_prompt"
                    rows={2}
                    maxLength={MAX_NEGATIVE}
                    value={negative}
                    onInput={(event) => {
                      setNegative(event.currentTarget.value);
                      if (errors.fields.negative_prompt) clear();
                    }}
                    aria-invalid={fieldErrors.negative_prompt ? 'true' : undefined}
                    aria-describedby={
                      fieldErrors.negative_prompt ? 'negative-prompt-hint negative-prompt-error' : 'negative-prompt-hint'
                    }
                  />
                  {fieldErrors.negative_prompt && (
                    <p id="negative-prompt-error" class="field-error">
                      {fieldErrors.negative_prompt}
                    </p>
                  )}
                </div>
              </details>

              <div
                class={short ? 'quote quote-short' : 'quote'}
                role="status"
                data-testid="quote"
                aria-busy={quoting ? 'true' : undefined}
              >
                {cost === null ? (
                  quoteProblem ?? 'This choice has no price yet.'
                ) : (
                  <>
                    Cost: <strong>{creditsText(cost)}</strong> · Balance after:{' '}
                    <strong>{creditsText(balance - cost)}</strong>
                  </>
                )}
                {cost !== null && quoteProblem && <span class="quote-problem"> ({quoteProblem})</span>}
              </div>

              {short && (
                <p id="short-note" class="alert alert-error" data-testid="insufficient-note">
                  Your balance of {creditsText(balance)} isn't enough for this. <a href="/credits">Buy credits</a>, or choose
                  fewer images.
                </p>
              )}

              {shortfall && !short && (
                <div class="alert alert-error" role="alert" data-testid="insufficient-credits">
                  <p>
                    This costs {creditsText(shortfall.cost)}; your balance is {creditsText(shortfall.balance)}.{' '}
                    <a href="/credits">Buy credits</a>
                  </p>
                </div>
              )}

              {uploading && (
                <p class="muted" id="upload-wait">
                  Waiting for the upload to finish…
                </p>
              )}

              <SubmitButton
                busy={busy}
                busyText="Sending your request…"
                disabled={short || uploading}
                describedBy={short ? 'short-note' : uploading ? 'upload-wait' : undefined}
                testId="generate-button"
              >
                Generate
              </SubmitButton>
            </form>
          )}
        </div>

        <aside class="generate-aside" aria-label="Balance">
          <BalanceCard credits={user.credits} pending={credits.data?.pending} loading={credits.loading} title="Your balance">
            <p class="muted">
              {model && unit !== null ? `${creditsText(unit)} per image with these settings. ` : ''}
              <a href="/credits">Buy credits</a>
            </p>
          </BalanceCard>
        </aside>
      </div>

      {generation && (
        <GenerationOutput
          generation={generation}
          phase={phase}
          error={pollError}
          working={working}
          onCheckAgain={() => setPollRound((n) => n + 1)}
        />
      )}

      <RecentGenerations
        items={recent.data?.items ?? null}
        loading={recent.loading}
        error={recent.error}
        onRetry={recent.retry}
      />
    </>
  );
}

function numberDetail(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

interface SelectFieldProps {
  id: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onValue: (value: string) => void;
  error?: string;
  hint?: string;
  describedBy?: string;
}

function SelectField({ id, label, value, options, onValue, error, hint, describedBy }: SelectFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const described = [hintId, describedBy, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        name={id}
        value={value}
        onChange={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint && (
        <p id={hintId} class="field-hint field-hint-after">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface OutputProps {
  generation: Generation;
  phase: PollPhase;
  error: string | null;
  working: boolean;
  onCheckAgain: () => void;
}

function GenerationOutput({ generation, phase, error, working, onCheckAgain }: OutputProps) {
  const { status, images, n } = generation;
  const finished = isFinished(status);
  const failedCount = Math.max(0, n - images.length);
  const lines = statusLines(generation, phase, error);

  return (
    <section class="section generation-output" aria-labelledby="output-title">
      <h2 id="output-title">{finished ? 'Your images' : 'Creating your images'}</h2>
      <div class={`card generation-status generation-${status}`} aria-busy={working ? 'true' : undefined}>
        {!finished && <span class="progress" aria-hidden="true" />}
        <div role="status" data-testid="generation-status" data-status={status}>
          {lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
        {phase === 'gave_up' && !finished && (
          <button type="button" class="btn btn-secondary" onClick={onCheckAgain}>
            Check again
          </button>
        )}
      </div>

      {images.length > 0 && (
        <ul class="result-grid" aria-label="Generated images">
          {images.map((image, index) => (
            <li key={image.id} class="result-item">
              <a href={`/images/${encodeURIComponent(image.id)}`} class="result-link" data-testid="result-link">
                <ImageView
                  url={image.content_url}
                  alt={image.alt}
                  width={image.width}
                  height={image.height}
                  testId="result-image"
                />
              </a>
              <div class="result-actions">
                <span class="muted">
                  {image.width} × {image.height} ·{' '}
                  <a href={`/images/${encodeURIComponent(image.id)}`}>
                    Details
                    <span class="visually-hidden">
                      {images.length > 1 ? ` of image ${index + 1} of ${images.length}` : ' of the image'}
                    </span>
                  </a>
                </span>
                <DownloadImageButton
                  url={image.content_url}
                  label={images.length > 1 ? `Download image ${index + 1} of ${images.length}` : 'Download image'}
                  fallbackName={`pixmint-${image.id}.png`}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
      {status === 'succeeded' && failedCount > 0 && images.length > 0 && (
        <p class="muted">
          {failedCount} of {n} images could not be made.
        </p>
      )}
    </section>
  );
}

function statusLines(generation: Generation, phase: PollPhase, error: string | null): string[] {
  const { status, n, images, refunded_credits: refunded } = generation;
  const refund = refunded > 0 ? `${creditsText(refunded)} refunded.` : null;
  const reason = generation.error?.trim();
  const lines: string[] = [];
  switch (status) {
    case 'queued':
      lines.push(`Queued: your ${n === 1 ? 'image is' : `${n} images are`} waiting to start…`);
      break;
    case 'running':
      lines.push(`Generating ${n === 1 ? 'your image' : `${n} images`}…`);
      break;
    case 'succeeded':
      lines.push(images.length === 1 ? 'Done: your image is ready.' : `Done: ${images.length} images are ready.`);
      if (images.length < n && reason) lines.push(`Some images failed: ${reason}`);
      if (refund) lines.push(refund);
      break;
    case 'failed':
      lines.push(`Generation failed${reason ? `: ${reason}` : '.'}`);
      lines.push(refund ?? 'No credits were refunded.');
      break;
  }
  if (!isFinished(status)) {
    if (phase === 'gave_up') {
      lines.push('This is taking longer than usual. You can leave this page; your images will appear under Recent generations.');
    } else if (phase === 'error' && error) {
      lines.push(error);
    }
  }
  return lines;
}

interface RecentProps {
  items: Generation[] | null;
  loading: boolean;
  error: string | null;
  onRetry: () => void;
}

function RecentGenerations({ items, loading, error, onRetry }: RecentProps) {
  return (
    <section class="section" aria-labelledby="recent-title" aria-busy={loading ? 'true' : undefined}>
      <h2 id="recent-title">Recent generations</h2>
      <LoadError message={error} onRetry={onRetry} />
      {loading && !items && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your recent generations…
        </p>
      )}
      {items && items.length === 0 && <p class="muted">Nothing yet: your generations will be listed here.</p>}
      {items && items.length > 0 && (
        <ul class="recent-list" data-testid="recent-generations">
          {items.map((item) => (
            <li key={item.id} class="recent-item" data-testid="recent-generation" data-status={item.status}>
              <GenerationThumb generation={item} decorative />
              <div class="recent-body">
                <p class="recent-prompt">{item.prompt}</p>
                <p class="recent-meta">
                  <span class={`status-badge gen-status-${item.status}`}>
                    <span class="visually-hidden">Status: </span>
                    {generationStatusLabel(item.status)}
                  </span>{' '}
                  <span class="muted">
                    {item.n === 1 ? '1 image' : `${item.n} images`} · {creditsText(item.cost_credits - item.refunded_credits)}{' '}
                    spent ·{' '}
                    <time dateTime={item.created_at}>{formatDateTime(item.created_at)}</time>
                  </span>
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
