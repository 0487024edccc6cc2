import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, api, type Generation, type User } from '../api';
import { updateCredits } from '../auth';
import { FormAlert } from '../components/FormAlert';
import { Icon } from '../components/Icon';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { Toast, useToast } from '../components/Toast';
import { type FieldErrors, useFormSubmit } from '../forms';
import { modelLabel } from '../generations';
import { useApiData, useMediaQuery, usePageTitle } from '../hooks';
import { refreshBalance } from '../generate/balance';
import { EditImageFields } from '../generate/EditImageFields';
import { ModelField } from '../generate/ModelField';
import { MoreOptions } from '../generate/MoreOptions';
import { OutputOptions } from '../generate/OutputOptions';
import { MAX_PROMPT, PromptInput, TemplateFields } from '../generate/PromptFields';
import { PriceDetails, PriceLine, ShortNotes } from '../generate/QuoteSummary';
import { RecentGenerations, useRecentGenerations } from '../generate/RecentGenerations';
import { retryProblem } from '../generate/retryProblem';
import { SettingsPanel, SHEET_QUERY } from '../generate/SettingsPanel';
import { Stage, type Shape } from '../generate/Stage';
import { StyleField } from '../generate/StyleField';
import { surprisePrompt } from '../generate/surprise';
import { WithdrawnNotice } from '../generate/WithdrawnNotice';
import { INITIAL_OPTIONS, defaultModel, optionsForSize, resolveOptions, sizeSummary, type OptionState } from '../generate/options';
import { FIELDS, MAX_NEGATIVE, buildRequest } from '../generate/request';
import { useEditImages } from '../generate/useEditImages';
import { useGenerationPoll } from '../generate/useGenerationPoll';
import { useGenerationRequests } from '../generate/useGenerationRequests';
import { useModelChoice } from '../generate/useModelChoice';
import { usePrice } from '../generate/usePrice';
import { usePromptFields } from '../generate/usePromptFields';
import '../generate/generate.css';
import { formatNumber } from '../format';

const PANEL_ID = 'studio-settings';
const TOGGLE_ID = 'settings-toggle';
/** Until the models have arrived, the stage holds the frame of the usual first choice: one square image. */
const FIRST_SHAPE: Shape = { n: 1, size: '1024x1024' };

export function Generate() {
  usePageTitle('Generate');
  return <RequireAuth>{(user) => <GenerateContent user={user} />}</RequireAuth>;
}

interface Handed {
  prompt: string;
  model: string;
  size: string;
}

/** Settings handed over in the address (?prompt=&model=&size=, from "Use these settings" elsewhere), read once
 * and then dropped from it. */
function useHandedSettings(): Handed {
  const { query } = useLocation();
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
  const handed = useRef<Handed>({ prompt: text('prompt'), model: text('model'), size: text('size') }).current;
  useEffect(() => {
    if (handed.prompt || handed.model || handed.size) history.replaceState(history.state, '', location.pathname);
  }, []);
  return handed;
}

function GenerateContent({ user }: { user: User }) {
  const presets = useApiData((signal) => api.stylePresets(signal).then((result) => result.items));
  const templates = useApiData((signal) => api.promptTemplates(signal).then((result) => result.items));
  const credits = useApiData((signal) =>
    api.credits(signal).then((result) => {
      updateCredits(result.balance);
      return result;
    }),
  );
  const { recent, refresh: refreshRecent } = useRecentGenerations();
  const toast = useToast();

  // The form.
  const form = useFormSubmit(FIELDS);
  const { busy, errors, run, clear, formRef } = form;
  const images = useEditImages();
  const handed = useHandedSettings();
  const choice = useModelChoice(images.fit, handed.model);
  const prompt = usePromptFields(templates.data, form, handed.prompt);
  const [options, setOptions] = useState<OptionState>(INITIAL_OPTIONS);
  // A handed size applies once, to the first model chosen (the handed one when it is still offered).
  const sizeApplied = useRef(!handed.size);
  useEffect(() => {
    if (sizeApplied.current || !choice.model) return;
    sizeApplied.current = true;
    setOptions(optionsForSize(choice.model, handed.size));
  }, [choice.model?.id]);
  const [style, setStyle] = useState('');
  const [negative, setNegative] = useState('');
  const [moreOpen, setMoreOpen] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(false);
  const sheet = useMediaQuery(SHEET_QUERY);

  const { model } = choice;
  const resolved = model ? resolveOptions(model, options) : null;
  const gif = resolved?.format === 'gif';
  const showSource = !!model?.supports_edit;
  const showMask = showSource && !!model?.supports_mask && !!images.source && !gif;
  const uploading = (showSource && images.sourceBusy) || (showMask && images.maskBusy);
  const body = buildRequest({
    prompt: prompt.prompt,
    model,
    resolved,
    style,
    negative,
    sourceId: showSource ? (images.source?.id ?? null) : null,
    maskId: showMask ? (images.mask?.id ?? null) : null,
  });
  const text = prompt.prompt;
  const quotable =
    !!body && !!model?.available && text.trim().length > 0 && text.length <= MAX_PROMPT && negative.length <= MAX_NEGATIVE;

  // Live price: the API's quote once the inputs settle; until then (or without a prompt) the model's own prices.
  const balance = user.credits;
  const price = usePrice(quotable ? body : null, model, resolved, balance);
  // A quote's complaint about a choice shows beside that choice; the submit's errors take precedence.
  const fieldErrors: FieldErrors = { ...(price.live.errors?.fields ?? {}), ...errors.fields };

  // The generation on show.
  const poll = useGenerationPoll((finished) => {
    if (finished.refunded_credits > 0) refreshBalance();
    refreshRecent();
  });
  const requests = useGenerationRequests({ poll, choice, cost: price.cost, balance, onCreated: refreshRecent });

  // Ctrl+Enter (⌘+Enter) generates from anywhere on the page, not only from the prompt; not behind the lightbox.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.defaultPrevented) return;
      if (document.querySelector('dialog[open]')) return;
      event.preventDefault();
      formRef.current?.requestSubmit();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  // A problem with a setting while the settings are folded away as a sheet: open it, on the field.
  useEffect(() => {
    const names = Object.keys(errors.fields).filter((name) => name !== 'prompt');
    if (!sheet || names.length === 0 || errors.fields.prompt) return;
    setSheetOpen(true);
    const timer = setTimeout(() => document.getElementById(PANEL_ID)?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 50);
    return () => clearTimeout(timer);
  }, [errors]);

  function changeOptions(change: Partial<OptionState>) {
    setOptions((previous) => ({ ...previous, ...change }));
    if (Object.keys(errors.fields).length) clear();
  }

  function validate(): FieldErrors {
    const invalid = prompt.problems();
    if (resolved?.sizeErrors) invalid.size = 'Fix the size first.';
    if (negative.length > MAX_NEGATIVE) {
      invalid.negative_prompt = `The negative prompt is at most ${formatNumber(MAX_NEGATIVE)} characters.`;
      setMoreOpen(true);
    }
    return invalid;
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (!model || !model.available || price.short || uploading) return;
    setSheetOpen(false);
    requests.startForm();
    void run(validate, async () => {
      if (!body) return;
      try {
        await requests.sendForm(body);
      } catch (error) {
        if (error instanceof ApiError && error.field === 'negative_prompt') setMoreOpen(true);
        throw error;
      }
    });
  }

  function takePrompt(text: string) {
    prompt.replacePrompt(text);
    const box = document.getElementById('prompt');
    box?.focus({ preventScroll: true });
    box?.scrollIntoView({ block: 'nearest' });
    toast.show('The prompt is in the box: change it or press Generate.');
  }

  const formSuggestion = choice.refused ? defaultModel(choice.list, choice.refused) : undefined;
  const retryRefusal = requests.retryRefusal;
  const retrySuggestion = retryRefusal?.kind === 'withdrawn' ? defaultModel(choice.list, retryRefusal.model) : undefined;
  const models = choice.models;
  const planned: Shape = resolved?.size ? { n: resolved.count, size: resolved.size } : FIRST_SHAPE;
  const sending: Shape | null = busy && resolved?.size ? { n: resolved.count, size: resolved.size } : null;
  const summary = model && resolved ? settingsSummary(modelLabel(model), resolved.size, resolved.count) : 'Loading…';
  const disabledReason = price.short ? 'short-note' : uploading ? 'upload-wait' : model && !model.available ? 'model-unavailable' : undefined;

  return (
    <>
      <form ref={formRef} class="studio" onSubmit={handleSubmit} noValidate aria-labelledby="generate-title">
        <div class="studio-main">
          <h1 class="studio-title" id="generate-title">
            Generate
          </h1>
          <LoadError message={credits.error} onRetry={credits.retry} />
          <LoadError message={models.error} onRetry={models.retry} />
          {models.data && choice.list.length === 0 && (
            <p class="alert alert-error" role="alert">
              No image model is available right now. Please try again later.
            </p>
          )}

          <div class="prompt-bar" data-testid="prompt-bar">
            <FormAlert message={errors.form} />
            {choice.refused && (
              <WithdrawnNotice
                suggestion={formSuggestion}
                action={formSuggestion ? `Use ${modelLabel(formSuggestion)}` : null}
                onAction={() => formSuggestion && choice.choose(formSuggestion)}
              />
            )}
            <PromptInput prompt={prompt.prompt} onPrompt={prompt.editPrompt} error={fieldErrors.prompt} />
            <div class="prompt-controls">
              <button
                type="button"
                class="btn btn-quiet btn-small"
                onClick={() => takePrompt(surprisePrompt(prompt.prompt))}
                data-testid="surprise-me"
              >
                <Icon name="sparkles" />
                <span class="surprise-label">Surprise me</span>
              </button>
              <button
                id={TOGGLE_ID}
                type="button"
                class="btn btn-secondary btn-small settings-toggle"
                aria-expanded={sheetOpen ? 'true' : 'false'}
                aria-controls={PANEL_ID}
                aria-describedby="settings-summary"
                onClick={() => setSheetOpen((open) => !open)}
                data-testid="settings-toggle"
              >
                <Icon name="sliders" />
                Settings
              </button>
              <span id="settings-summary" class="settings-summary">
                {summary}
              </span>
              <PriceLine
                cost={price.cost}
                unit={price.unit}
                balance={balance}
                short={price.short}
                quoting={price.live.quoting}
                problem={price.live.errors?.form ?? null}
                sizeInvalid={!!resolved?.sizeErrors}
                loading={!model}
              />
              <div class="prompt-submit">
                <SubmitButton
                  busy={busy}
                  busyText="Sending your request…"
                  disabled={!model || price.short || uploading || !model.available}
                  describedBy={disabledReason}
                  testId="generate-button"
                  block={false}
                >
                  Generate
                </SubmitButton>
              </div>
            </div>
            {uploading && (
              <p class="muted" id="upload-wait">
                Waiting for the upload to finish…
              </p>
            )}
            <ShortNotes balance={balance} short={price.short} shortfall={requests.shortfall} />
          </div>

          <Stage
            generation={poll.generation}
            sending={sending}
            planned={planned}
            phase={poll.phase}
            error={poll.error}
            onCheckAgain={poll.checkAgain}
            onCancelled={(cancelled: Generation) => {
              poll.show(cancelled);
              refreshBalance();
              refreshRecent();
            }}
            onRetry={() => void requests.retry()}
            retryBusy={requests.retryBusy}
            retryProblem={retryProblem({
              refusal: retryRefusal,
              error: requests.retryError,
              suggestion: retrySuggestion,
              onRetryWith: (id) => void requests.retry(id),
            })}
            onUsePrompt={takePrompt}
            onMessage={toast.show}
          />

          <RecentGenerations
            items={recent.data?.items ?? null}
            loading={recent.loading}
            error={recent.error}
            onRetry={recent.retry}
          />
        </div>

        <SettingsPanel id={PANEL_ID} open={sheetOpen} onClose={() => setSheetOpen(false)} toggleId={TOGGLE_ID}>
          {models.loading && !models.data && (
            <p class="loading" role="status">
              <span class="spinner" aria-hidden="true" /> Loading image models…
            </p>
          )}
          {model && resolved && (
            <>
              <ModelField model={model} models={choice.list} error={fieldErrors.model} onChoose={choice.choose} />
              <OutputOptions model={model} state={options} resolved={resolved} onChange={changeOptions} errors={fieldErrors} />
              <StyleField presets={presets} value={style} error={fieldErrors.style_preset} onValue={setStyle} />
              <LoadError message={templates.error} onRetry={templates.retry} />
              <TemplateFields
                templates={templates.data}
                template={prompt.template}
                templateValues={prompt.templateValues}
                onTemplate={prompt.changeTemplate}
                onTemplateValue={prompt.changeTemplateValue}
                errors={fieldErrors}
              />
              {showSource && (
                <EditImageFields model={model} images={images} gif={gif} showMask={showMask} errors={fieldErrors} />
              )}
              <MoreOptions
                negative={negative}
                onNegative={(value) => {
                  setNegative(value);
                  if (errors.fields.negative_prompt) clear();
                }}
                open={moreOpen}
                onToggle={setMoreOpen}
                error={fieldErrors.negative_prompt}
              />
              <PriceDetails quote={price.live.quote} cost={price.cost} balance={balance} />
            </>
          )}
        </SettingsPanel>
      </form>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

/** "Offline placeholder · 1,024 × 1,024 px · 2 images": what the folded-away settings would make. */
function settingsSummary(model: string, size: string | null, count: number): string {
  return [model, size ? sizeSummary(size).split(' · ')[0] : 'custom size', count === 1 ? '1 image' : `${formatNumber(count)} images`].join(' · ');
}
