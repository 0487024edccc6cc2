import { useState } from 'preact/hooks';
import { ApiError, api, type Generation, type User } from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { type FieldErrors, useFormSubmit } from '../forms';
import { creditsText, modelLabel } from '../generations';
import { useApiData, usePageTitle } from '../hooks';
import { refreshBalance } from '../generate/balance';
import { EditImageFields } from '../generate/EditImageFields';
import { GenerationOutput } from '../generate/GenerationOutput';
import { ModelField } from '../generate/ModelField';
import { MoreOptions } from '../generate/MoreOptions';
import { OutputOptions } from '../generate/OutputOptions';
import { MAX_PROMPT, PromptFields } from '../generate/PromptFields';
import { QuoteSummary } from '../generate/QuoteSummary';
import { RecentGenerations, useRecentGenerations } from '../generate/RecentGenerations';
import { retryProblem } from '../generate/retryProblem';
import { StyleField } from '../generate/StyleField';
import { WithdrawnNotice } from '../generate/WithdrawnNotice';
import { INITIAL_OPTIONS, defaultModel, resolveOptions, type OptionState } from '../generate/options';
import { FIELDS, MAX_NEGATIVE, buildRequest } from '../generate/request';
import { useEditImages } from '../generate/useEditImages';
import { useGenerationPoll } from '../generate/useGenerationPoll';
import { useGenerationRequests } from '../generate/useGenerationRequests';
import { useModelChoice } from '../generate/useModelChoice';
import { usePrice } from '../generate/usePrice';
import { usePromptFields } from '../generate/usePromptFields';
import '../generate/generate.css';

export function Generate() {
  usePageTitle('Generate');
  return <RequireAuth>{(user) => <GenerateContent user={user} />}</RequireAuth>;
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

  // The form.
  const form = useFormSubmit(FIELDS);
  const { busy, errors, run, clear, formRef } = form;
  const images = useEditImages();
  const choice = useModelChoice(images.fit);
  const prompt = usePromptFields(templates.data, form);
  const [options, setOptions] = useState<OptionState>(INITIAL_OPTIONS);
  const [style, setStyle] = useState('');
  const [negative, setNegative] = useState('');
  const [moreOpen, setMoreOpen] = useState(false);

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

  function changeOptions(change: Partial<OptionState>) {
    setOptions((previous) => ({ ...previous, ...change }));
    if (Object.keys(errors.fields).length) clear();
  }

  function validate(): FieldErrors {
    const invalid = prompt.problems();
    if (resolved?.sizeErrors) invalid.size = 'Fix the size first.';
    if (negative.length > MAX_NEGATIVE) {
      invalid.negative_prompt = `The negative prompt is at most ${MAX_NEGATIVE} characters.`;
      setMoreOpen(true);
    }
    return invalid;
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (!model || !model.available || price.short || uploading) return;
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

  const formSuggestion = choice.refused ? defaultModel(choice.list, choice.refused) : undefined;
  const retryRefusal = requests.retryRefusal;
  const retrySuggestion = retryRefusal?.kind === 'withdrawn' ? defaultModel(choice.list, retryRefusal.model) : undefined;
  const models = choice.models;

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
          {models.data && choice.list.length === 0 && (
            <p class="alert alert-error" role="alert">
              No image model is available right now. Please try again later.
            </p>
          )}

          {model && resolved && (
            <form ref={formRef} class="generate-form" onSubmit={handleSubmit} noValidate aria-labelledby="generate-title">
              <FormAlert message={errors.form} />
              {choice.refused && (
                <WithdrawnNotice
                  suggestion={formSuggestion}
                  action={formSuggestion ? `Use ${modelLabel(formSuggestion)}` : null}
                  onAction={() => formSuggestion && choice.choose(formSuggestion)}
                />
              )}

              <LoadError message={templates.error} onRetry={templates.retry} />
              <PromptFields
                templates={templates.data}
                template={prompt.template}
                templateValues={prompt.templateValues}
                onTemplate={prompt.changeTemplate}
                onTemplateValue={prompt.changeTemplateValue}
                prompt={prompt.prompt}
                onPrompt={prompt.editPrompt}
                onSubmitKey={() => formRef.current?.requestSubmit()}
                errors={fieldErrors}
              />
              <ModelField model={model} models={choice.list} error={fieldErrors.model} onChoose={choice.choose} />
              <OutputOptions model={model} state={options} resolved={resolved} onChange={changeOptions} errors={fieldErrors} />
              <StyleField presets={presets} value={style} error={fieldErrors.style_preset} onValue={setStyle} />
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
              <QuoteSummary
                cost={price.cost}
                balance={balance}
                short={price.short}
                quote={price.live.quote}
                quoting={price.live.quoting}
                problem={price.live.errors?.form ?? null}
                sizeInvalid={!!resolved.sizeErrors}
                shortfall={requests.shortfall}
              />

              {uploading && (
                <p class="muted" id="upload-wait">
                  Waiting for the upload to finish…
                </p>
              )}

              <SubmitButton
                busy={busy}
                busyText="Sending your request…"
                disabled={price.short || uploading || !model.available}
                describedBy={
                  price.short ? 'short-note' : uploading ? 'upload-wait' : !model.available ? 'model-unavailable' : undefined
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
              {model && price.unit !== null ? `${creditsText(price.unit)} per image with these settings. ` : ''}
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
