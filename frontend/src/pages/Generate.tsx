import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Generation, type GenerationRequest, type ImageModel, type User } from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { FormAlert } from '../components/FormAlert';
import { ImageUpload, type UploadedImage } from '../components/ImageUpload';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SelectField } from '../components/SelectField';
import { SubmitButton } from '../components/SubmitButton';
import { newIdempotencyKey } from '../credits';
import { type FieldErrors, describeError, useFormSubmit } from '../forms';
import { creditsText, fillTemplate, modelLabel, titleCase, unfilledVariables } from '../generations';
import { useApiData, usePageTitle } from '../hooks';
import { GenerationOutput } from '../generate/GenerationOutput';
import { OutputOptions } from '../generate/OutputOptions';
import { MAX_PROMPT, PromptFields } from '../generate/PromptFields';
import { RecentGenerations } from '../generate/RecentGenerations';
import {
  INITIAL_OPTIONS,
  breakdownText,
  defaultModel,
  estimateUnit,
  optionFields,
  resolveOptions,
  retryRequest,
  type OptionState,
} from '../generate/options';
import { useGenerationPoll } from '../generate/useGenerationPoll';
import { useQuote } from '../generate/useQuote';
import '../generate/generate.css';

const FIELDS = [
  'prompt',
  'model',
  'size',
  'quality',
  'n',
  'background',
  'output_format',
  'frame_count',
  'style_preset',
  'negative_prompt',
  'source_image_id',
  'mask_image_id',
] as const;
const MAX_NEGATIVE = 2000;
const RECENT_COUNT = 10;
const OFFLINE_NOTICE = 'Pictures are drawn by the offline placeholder renderer, not by AI.';

export function Generate() {
  usePageTitle('Generate');
  return <RequireAuth>{(user) => <GenerateContent user={user} />}</RequireAuth>;
}

interface Attempt {
  body: string;
  key: string;
}

interface Shortfall {
  cost: number;
  balance: number;
}

/** How a request went, besides being accepted: the ones each caller shows in its own place. */
type Refusal = { kind: 'short'; shortfall: Shortfall } | { kind: 'withdrawn'; model: string };

/** Ask for the balance after a charge or refund; the header and cards follow the session's number. */
function refreshBalance(): void {
  api
    .credits()
    .then((result) => updateCredits(result.balance))
    .catch(() => undefined); // The old number stays; the generation's own outcome matters more.
}

function numberDetail(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
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
  const [options, setOptions] = useState<OptionState>(INITIAL_OPTIONS);
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
  // Models a request was refused for (409 model_unavailable), until the list is loaded again.
  const [withdrawn, setWithdrawn] = useState<string[]>([]);
  const [formWithdrawn, setFormWithdrawn] = useState<string | null>(null);

  const poll = useGenerationPoll((finished) => {
    if (finished.refunded_credits > 0) refreshBalance();
    setRecentRound((n) => n + 1);
  });
  const [retryBusy, setRetryBusy] = useState(false);
  const [retryRefusal, setRetryRefusal] = useState<Refusal | null>(null);
  const [retryError, setRetryError] = useState<string | null>(null);

  const modelList: ImageModel[] = (models.data ?? []).map((item) =>
    withdrawn.includes(item.id) ? { ...item, available: false } : item,
  );
  const model = modelList.find((item) => item.id === modelId);
  const template = templates.data?.find((item) => item.id === templateId);
  const preset = presets.data?.find((item) => item.id === style);

  // Start with the default model once the list arrives (or again if the chosen one disappeared).
  useEffect(() => {
    if (!models.data) return;
    setWithdrawn([]); // The fresh list says what is available now.
    if (models.data.some((item) => item.id === modelId)) return;
    const first = defaultModel(models.data) ?? models.data[0];
    if (first) applyModel(first);
  }, [models.data]);

  function applyModel(next: ImageModel) {
    setModelId(next.id);
    setFormWithdrawn(null);
    if (!next.supports_edit) setSource(null);
    if (!next.supports_edit || !next.supports_mask) setMask(null);
  }

  function changeOptions(change: Partial<OptionState>) {
    setOptions((previous) => ({ ...previous, ...change }));
    if (Object.keys(errors.fields).length) clear();
  }

  const resolved = model ? resolveOptions(model, options) : null;
  const showSource = !!model?.supports_edit;
  const gif = resolved?.format === 'gif';
  const showMask = showSource && !!model?.supports_mask && !!source && !gif;
  const uploading = (showSource && sourceBusy) || (showMask && maskBusy);

  const body: GenerationRequest | null =
    model && resolved?.size
      ? {
          prompt,
          model: model.id,
          ...optionFields(resolved),
          ...(style ? { style_preset: style } : {}),
          ...(negative.trim() ? { negative_prompt: negative } : {}),
          ...(showSource && source ? { source_image_id: source.id } : {}),
          ...(showMask && mask ? { mask_image_id: mask.id } : {}),
        }
      : null;
  const bodyKey = body ? JSON.stringify(body) : '';
  const quotable =
    !!body && !!model?.available && prompt.trim().length > 0 && prompt.length <= MAX_PROMPT && negative.length <= MAX_NEGATIVE;

  // Live price: the API's quote once the inputs settle; until then (or without a prompt) the model's own prices.
  const live = useQuote(quotable ? body : null, FIELDS);
  const estimate = model && resolved ? estimateUnit(model, resolved) : null;
  const unit = live.quote?.unit_credits ?? estimate;
  const cost = live.quote?.cost_credits ?? (estimate === null || !resolved ? null : estimate * resolved.count);
  const balance = user.credits;
  const short = cost !== null && cost > balance;
  // A quote's complaint about a choice shows beside that choice; the submit's errors take precedence.
  const fieldErrors: FieldErrors = { ...(live.errors?.fields ?? {}), ...errors.fields };
  const quoteProblem = live.errors?.form ?? null;

  /** Send a generation request; on success show it and follow it. Other refusals are thrown. */
  async function submit(request: GenerationRequest, key: string): Promise<Refusal | null> {
    try {
      const created = await api.generate(request, key);
      poll.show(created);
      setRetryRefusal(null);
      setRetryError(null);
      refreshBalance();
      setRecentRound((n) => n + 1);
      return null;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'insufficient_credits') {
        const price = numberDetail(error.details.cost) ?? cost ?? 0;
        const have = numberDetail(error.details.balance) ?? balance;
        updateCredits(have);
        return { kind: 'short', shortfall: { cost: price, balance: have } };
      }
      if (error instanceof ApiError && error.code === 'model_unavailable' && request.model) {
        const gone = request.model;
        setWithdrawn((previous) => (previous.includes(gone) ? previous : [...previous, gone]));
        models.retry();
        return { kind: 'withdrawn', model: gone };
      }
      throw error;
    }
  }

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
    if (resolved?.sizeErrors) invalid.size = 'Fix the size first.';
    if (negative.length > MAX_NEGATIVE) {
      invalid.negative_prompt = `The negative prompt is at most ${MAX_NEGATIVE} characters.`;
      setMoreOpen(true);
    }
    return invalid;
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (!model || !model.available || short || uploading) return;
    setShortfall(null);
    setFormWithdrawn(null);
    void run(validate, async () => {
      if (!body) return;
      // One key per attempt: a double click or a retry of the same request reuses it.
      if (attempt.current?.body !== bodyKey) attempt.current = { body: bodyKey, key: newIdempotencyKey() };
      try {
        const refusal = await submit(body, attempt.current.key);
        attempt.current = null; // Done: the next click is a new request, even with the same prompt.
        if (refusal?.kind === 'short') setShortfall(refusal.shortfall);
        if (refusal?.kind === 'withdrawn') setFormWithdrawn(refusal.model);
      } catch (error) {
        // A definite refusal ends this attempt; after network trouble or a server error, retry with the same key.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && ![409, 429].includes(error.status)) {
          attempt.current = null;
        }
        if (error instanceof ApiError && error.field === 'negative_prompt') setMoreOpen(true);
        throw error;
      }
    });
  }

  /** The failed generation's exact request again, as a new generation (a new Idempotency-Key). */
  async function retry(modelOverride?: string) {
    const failed = poll.generation;
    if (retryBusy || !failed) return;
    setRetryBusy(true);
    setRetryRefusal(null);
    setRetryError(null);
    try {
      const request = retryRequest(failed);
      setRetryRefusal(await submit(modelOverride ? { ...request, model: modelOverride } : request, newIdempotencyKey()));
    } catch (error) {
      setRetryError(describeError(error, []).form);
    } finally {
      setRetryBusy(false);
    }
  }

  const unavailableNote = model && !model.available;
  const formSuggestion = formWithdrawn ? defaultModel(modelList, formWithdrawn) : undefined;
  const retrySuggestion = retryRefusal?.kind === 'withdrawn' ? defaultModel(modelList, retryRefusal.model) : undefined;

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

          {model && resolved && (
            <form ref={formRef} class="generate-form" onSubmit={handleSubmit} noValidate aria-labelledby="generate-title">
              <FormAlert message={errors.form} />
              {formWithdrawn && (
                <WithdrawnNotice
                  suggestion={formSuggestion}
                  action={formSuggestion ? `Use ${modelLabel(formSuggestion)}` : null}
                  onAction={() => formSuggestion && applyModel(formSuggestion)}
                />
              )}

              <LoadError message={templates.error} onRetry={templates.retry} />
              <PromptFields
                templates={templates.data}
                template={template}
                templateValues={templateValues}
                onTemplate={changeTemplate}
                onTemplateValue={changeTemplateValue}
                prompt={prompt}
                onPrompt={(value) => {
                  setPrompt(value);
                  if (errors.fields.prompt) clear();
                }}
                onSubmitKey={() => formRef.current?.requestSubmit()}
                errors={fieldErrors}
              />

              <SelectField
                id="model"
                label="Model"
                value={model.id}
                error={fieldErrors.model}
                describedBy={
                  [model.offline ? 'offline-notice' : null, unavailableNote ? 'model-unavailable' : null]
                    .filter(Boolean)
                    .join(' ') || undefined
                }
                onValue={(value) => {
                  const next = modelList.find((item) => item.id === value);
                  if (next) applyModel(next);
                }}
                options={modelList.map((item) => ({
                  value: item.id,
                  label: item.available ? modelLabel(item) : `${modelLabel(item)} (unavailable)`,
                  // The chosen one stays selectable, so the select still shows it.
                  disabled: !item.available && item.id !== model.id,
                }))}
                testId="model-select"
              />
              {model.offline && (
                <p id="offline-notice" class="alert alert-info offline-notice" data-testid="offline-notice">
                  {OFFLINE_NOTICE}
                </p>
              )}
              {unavailableNote && (
                <p id="model-unavailable" class="alert alert-error offline-notice" data-testid="model-unavailable">
                  This model is unavailable right now. Choose another one.
                </p>
              )}

              <OutputOptions model={model} state={options} resolved={resolved} onChange={changeOptions} errors={fieldErrors} />

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
                  {model.supports_mask && source && gif && <p class="muted upload-note">A GIF can't use a mask.</p>}
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
                aria-busy={live.quoting ? 'true' : undefined}
              >
                {cost === null ? (
                  (quoteProblem ?? (resolved.sizeErrors ? 'Fix the size to see the price.' : 'This choice has no price yet.'))
                ) : (
                  <>
                    Cost: <strong data-testid="quote-cost">{creditsText(cost)}</strong> · Balance after:{' '}
                    <strong>{creditsText(balance - cost)}</strong>
                  </>
                )}
                {cost !== null && quoteProblem && <span class="quote-problem"> ({quoteProblem})</span>}
                {live.quote && (
                  <span class="quote-breakdown" data-testid="quote-breakdown">
                    {breakdownText(live.quote.breakdown)}
                  </span>
                )}
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
                disabled={short || uploading || !model.available}
                describedBy={
                  short ? 'short-note' : uploading ? 'upload-wait' : !model.available ? 'model-unavailable' : undefined
                }
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

      {poll.generation && (
        <GenerationOutput
          key={poll.generation.id}
          generation={poll.generation}
          phase={poll.phase}
          error={poll.error}
          onCheckAgain={poll.checkAgain}
          onCancelled={(cancelled: Generation) => {
            poll.show(cancelled);
            refreshBalance();
            setRecentRound((n) => n + 1);
          }}
          onRetry={() => void retry()}
          retryBusy={retryBusy}
          retryProblem={
            retryRefusal?.kind === 'withdrawn' ? (
              <WithdrawnNotice
                suggestion={retrySuggestion}
                action={retrySuggestion ? `Try again with ${modelLabel(retrySuggestion)}` : null}
                onAction={() => retrySuggestion && void retry(retrySuggestion.id)}
                bare
              />
            ) : retryRefusal?.kind === 'short' ? (
              <p>
                This costs {creditsText(retryRefusal.shortfall.cost)}; your balance is{' '}
                {creditsText(retryRefusal.shortfall.balance)}. <a href="/credits">Buy credits</a>
              </p>
            ) : retryError ? (
              <p>{retryError}</p>
            ) : null
          }
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

interface WithdrawnProps {
  suggestion: ImageModel | undefined;
  action: string | null;
  onAction: () => void;
  /** Inside an alert already: no box of its own. */
  bare?: boolean;
}

/** A 409 model_unavailable: the provider withdrew the model; offer the default one. */
function WithdrawnNotice({ suggestion, action, onAction, bare }: WithdrawnProps) {
  const content = (
    <>
      <p>
        This model is no longer available.
        {suggestion ? ` ${modelLabel(suggestion)} is the default model now.` : ''}
      </p>
      {action && (
        <button type="button" class="btn btn-secondary btn-small" onClick={onAction} data-testid="use-default-model">
          {action}
        </button>
      )}
    </>
  );
  if (bare) return content;
  return (
    <div class="alert alert-error" role="alert" data-testid="model-withdrawn">
      {content}
    </div>
  );
}
