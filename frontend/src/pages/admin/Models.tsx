import { useState } from 'preact/hooks';
import { adminApi, type AdminModel, type ModelChange, type TokenRates } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { Toast, useToast } from '../../components/Toast';
import { useFormSubmit, type FieldErrors } from '../../forms';
import { formatNumber } from '../../format';
import { useApiData } from '../../hooks';
import { useUnsavedChanges } from '../../unsaved';

const TOKEN_RATES: { key: keyof TokenRates; label: string }[] = [
  { key: 'input_text', label: 'Input text' },
  { key: 'input_image', label: 'Input image' },
  { key: 'output_image', label: 'Output image' },
];
const MAX_TOKEN_RATE = 10_000;
const FIELDS = [
  'label',
  'enabled',
  'available',
  'replacement_model',
  'token_rates',
  ...TOKEN_RATES.map((rate) => `token_rates.${rate.key}`),
] as const;

export function AdminModels() {
  return <AdminShell title="Models">{() => <ModelsContent />}</AdminShell>;
}

function ModelsContent() {
  const models = useApiData((signal) => adminApi.models(signal).then((result) => result.items));
  const [saved, setSaved] = useState<Record<string, AdminModel>>({});
  const toast = useToast();
  const list = (models.data ?? []).map((model) => saved[model.id] ?? model);

  return (
    <>
      <h1 class="page-title">Models</h1>
      <p class="muted">
        The image models of the catalogue. A disabled model is hidden from Generate; an unavailable one (withdrawn by its
        provider) is shown as such, and its requests go to the replacement when one is set. Token rates are what the
        provider bills per million tokens: the usage report's actual cost comes from them.
      </p>
      <LoadError message={models.error} onRetry={models.retry} />
      {models.loading && !models.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading models…
        </p>
      )}
      {models.data && list.length === 0 && <p class="muted">No models in the catalogue.</p>}
      <ul class="model-list">
        {list.map((model) => (
          <li key={model.id}>
            <ModelCard
              model={model}
              models={list}
              onSaved={(next) => {
                setSaved((previous) => ({ ...previous, [next.id]: next }));
                toast.show(`${next.label} saved.`);
              }}
            />
          </li>
        ))}
      </ul>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

function slug(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '-');
}

interface Draft {
  label: string;
  enabled: boolean;
  available: boolean;
  replacement: string;
  rates: Record<keyof TokenRates, string>;
}

function draftOf(model: AdminModel): Draft {
  return {
    label: model.label,
    enabled: model.enabled,
    available: model.available,
    replacement: model.replacement_model ?? '',
    rates: {
      input_text: String(model.token_rates.input_text),
      input_image: String(model.token_rates.input_image),
      output_image: String(model.token_rates.output_image),
    },
  };
}

interface CardProps {
  model: AdminModel;
  models: AdminModel[];
  onSaved: (model: AdminModel) => void;
}

function ModelCard({ model, models, onSaved }: CardProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(model));
  const [base, setBase] = useState(model);
  const { busy, errors, run, clear, formRef } = useFormSubmit(FIELDS);
  const [notice, setNotice] = useState<string | null>(null);
  useUnsavedChanges(JSON.stringify(draft) !== JSON.stringify(draftOf(base)));
  const key = slug(model.id);
  const titleId = `model-${key}-title`;
  const replacements = models.filter(
    (other) => other.id !== model.id && (other.available || other.id === base.replacement_model),
  );

  function edit(part: Partial<Draft>) {
    setDraft((previous) => ({ ...previous, ...part }));
    setNotice(null);
    if (Object.keys(errors.fields).length || errors.form) clear();
  }

  function changes(invalid: FieldErrors): ModelChange {
    const change: ModelChange = {};
    const label = draft.label.trim();
    if (!label || label.length > 80) invalid.label = 'A label of 1 to 80 characters.';
    else if (label !== base.label) change.label = label;
    if (draft.enabled !== base.enabled) change.enabled = draft.enabled;
    if (draft.available !== base.available) change.available = draft.available;
    if (draft.replacement !== (base.replacement_model ?? '')) change.replacement_model = draft.replacement || null;
    const rates: Partial<TokenRates> = {};
    for (const { key: rate } of TOKEN_RATES) {
      const text = draft.rates[rate].trim();
      const value = Number(text);
      if (!/^\d+(\.\d+)?$/.test(text) || value > MAX_TOKEN_RATE) {
        invalid[`token_rates.${rate}`] = `US dollars per million tokens, from 0 to ${formatNumber(MAX_TOKEN_RATE)}.`;
      } else if (value !== base.token_rates[rate]) {
        rates[rate] = value;
      }
    }
    if (Object.keys(rates).length) change.token_rates = rates;
    return change;
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    let change: ModelChange = {};
    void run(
      () => {
        const invalid: FieldErrors = {};
        change = changes(invalid);
        return invalid;
      },
      async () => {
        if (Object.keys(change).length === 0) {
          setNotice('Nothing to save: this model is unchanged.');
          return;
        }
        const next = await adminApi.updateModel(model.id, change);
        setBase(next);
        setDraft(draftOf(next));
        onSaved(next);
      },
    );
  }

  const status = base.available ? 'Available' : 'Unavailable';
  return (
    <section class="card model-card" aria-labelledby={titleId} data-testid="admin-model" data-model={model.id}>
      <div class="model-card-head">
        <h2 id={titleId}>{base.label}</h2>
        <p class="muted">
          <code>{model.id}</code> · {model.provider}
          {model.offline ? ' · offline placeholder' : ''}
        </p>
        <p>
          <span class={`status-badge ${base.available ? 'status-paid' : 'status-failed'}`} data-testid="model-available-state">
            {status}
          </span>
          {!base.enabled && (
            <>
              {' '}
              <span class="status-badge">Disabled</span>
            </>
          )}
          {!base.available && base.unavailable_reason && (
            <span class="model-reason" data-testid="model-unavailable-reason">
              {' '}
              {base.unavailable_reason}
            </span>
          )}
        </p>
      </div>

      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby={titleId} class="model-form">
        <FormAlert message={errors.form} />
        <div class="model-form-grid">
          <div>
            <Field
              id={`label-${key}`}
              label="Label"
              value={draft.label}
              onValue={(label) => edit({ label })}
              error={errors.fields.label}
            />

            <div class="field checkbox-field">
              <input
                id={`enabled-${key}`}
                type="checkbox"
                checked={draft.enabled}
                onChange={(event) => edit({ enabled: event.currentTarget.checked })}
                aria-describedby={`enabled-${key}-hint`}
                data-testid="model-enabled"
              />
              <label for={`enabled-${key}`}>Enabled</label>
              <p id={`enabled-${key}-hint`} class="field-hint">
                Offered on Generate and accepted by the API.
              </p>
              {errors.fields.enabled && <p class="field-error">{errors.fields.enabled}</p>}
            </div>

            <div class="field checkbox-field">
              <input
                id={`available-${key}`}
                type="checkbox"
                checked={draft.available}
                onChange={(event) => edit({ available: event.currentTarget.checked })}
                aria-describedby={`available-${key}-hint`}
                data-testid="model-available"
              />
              <label for={`available-${key}`}>Available from the provider</label>
              <p id={`available-${key}-hint`} class="field-hint">
                Cleared by itself when the provider says the model no longer exists; tick it again once the provider serves it.
              </p>
              {errors.fields.available && <p class="field-error">{errors.fields.available}</p>}
            </div>
          </div>
          <div>
            <div class="field">
              <label for={`replacement-${key}`}>Replacement while unavailable</label>
              <select
                id={`replacement-${key}`}
                value={draft.replacement}
                onChange={(event) => edit({ replacement: event.currentTarget.value })}
                aria-invalid={errors.fields.replacement_model ? 'true' : undefined}
                aria-describedby={errors.fields.replacement_model ? `replacement-${key}-error` : undefined}
                data-testid="model-replacement"
              >
                <option value="">None: requests are refused (409 model_unavailable)</option>
                {replacements.map((other) => (
                  <option key={other.id} value={other.id}>
                    {other.label} ({other.id})
                  </option>
                ))}
              </select>
              {errors.fields.replacement_model && (
                <p id={`replacement-${key}-error`} class="field-error">
                  {errors.fields.replacement_model}
                </p>
              )}
            </div>

            <fieldset class="token-rates">
              <legend>Token rates (US dollars per million tokens)</legend>
              <div class="token-rate-inputs">
                {TOKEN_RATES.map(({ key: rate, label }) => {
                  const id = `rate-${rate}-${key}`;
                  const error =
                    errors.fields[`token_rates.${rate}`] ?? (rate === 'input_text' ? errors.fields.token_rates : undefined);
                  return (
                    <div class="field" key={rate}>
                      <label for={id}>{label}</label>
                      <input
                        id={id}
                        type="text"
                        inputMode="decimal"
                        value={draft.rates[rate]}
                        onInput={(event) => edit({ rates: { ...draft.rates, [rate]: event.currentTarget.value } })}
                        aria-invalid={error ? 'true' : undefined}
                        aria-describedby={error ? `${id}-error` : undefined}
                        data-testid={`token-rate-${rate}`}
                      />
                      {error && (
                        <p id={`${id}-error`} class="field-error">
                          {error}
                        </p>
                      )}
                    </div>
                  );
                })}
              </div>
            </fieldset>
          </div>
        </div>

        <div class="form-footer">
          <p class="muted" aria-live="polite">
            {notice ?? ''}
          </p>
          <SubmitButton busy={busy} busyText={`Saving ${base.label}…`} testId="save-model">
            Save<span class="visually-hidden"> {base.label}</span>
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
