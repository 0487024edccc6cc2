import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { adminApi, type AdminSettings, type PriceRow, type SettingsChange } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { Toast, useToast } from '../../components/Toast';
import { describeError, useFormSubmit, type FieldErrors } from '../../forms';
import { useApiData } from '../../hooks';

const SETTINGS_FIELDS = ['signup_bonus', 'daily_spend_cap', 'provider_fallback'] as const;

export function AdminPricing() {
  return <AdminShell title="Pricing & settings">{() => <PricingContent />}</AdminShell>;
}

function PricingContent() {
  const toast = useToast();
  return (
    <>
      <h1 class="page-title">Pricing & settings</h1>
      <PriceTable onSaved={toast.show} />
      <SettingsPanel onSaved={toast.show} />
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

const rowKey = (row: PriceRow) => `${row.model}|${row.size}|${row.quality}`;
const rowId = (row: PriceRow) => rowKey(row).replace(/[^a-zA-Z0-9_-]/g, '-');

interface Draft {
  credits: string;
  cost: string;
}

function PriceTable({ onSaved }: { onSaved: (message: string) => void }) {
  const pricing = useApiData((signal) => adminApi.pricing(signal));
  const [rows, setRows] = useState<PriceRow[]>([]);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const table = useRef<HTMLTableElement>(null);

  useEffect(() => {
    if (pricing.data) {
      setRows(pricing.data.items);
      setDrafts({});
    }
  }, [pricing.data]);

  useEffect(() => {
    if (Object.keys(fieldErrors).length) table.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [fieldErrors]);

  const changed = rows.filter((row) => {
    const draft = drafts[rowKey(row)];
    return draft && (draft.credits.trim() !== String(row.credits) || Number(draft.cost) !== row.provider_cost_usd);
  });

  function edit(row: PriceRow, part: Partial<Draft>) {
    const key = rowKey(row);
    setDrafts((previous) => ({
      ...previous,
      [key]: { ...(previous[key] ?? { credits: String(row.credits), cost: String(row.provider_cost_usd) }), ...part },
    }));
  }

  async function save(event: Event) {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const invalid: Record<string, string> = {};
    const items: PriceRow[] = changed.map((row) => {
      const draft = drafts[rowKey(row)];
      const credits = draft.credits.trim();
      const cost = draft.cost.trim();
      if (!/^\d+$/.test(credits) || Number(credits) < 1 || Number(credits) > 100_000) {
        invalid[`${rowKey(row)}|credits`] = 'A whole number from 1 to 100,000.';
      }
      if (!/^\d+(\.\d+)?$/.test(cost) || Number(cost) > 1000) invalid[`${rowKey(row)}|cost`] = 'US dollars from 0 to 1000.';
      return { ...row, credits: Number(credits), provider_cost_usd: Number(cost) };
    });
    setFieldErrors(invalid);
    if (Object.keys(invalid).length) return;
    if (items.length === 0) {
      setFormError('Nothing has changed yet.');
      return;
    }
    setBusy(true);
    try {
      const result = await adminApi.setPricing(items);
      setRows(result.items);
      setDrafts({});
      onSaved(`${items.length} ${items.length === 1 ? 'price' : 'prices'} saved. New requests use them from now on.`);
    } catch (failure) {
      const match = failure instanceof ApiError ? /^items\[(\d+)\]\.(credits|provider_cost_usd)$/.exec(failure.field ?? '') : null;
      const sent = match ? items[Number(match[1])] : undefined;
      if (match && sent && failure instanceof ApiError) {
        setFieldErrors({ [`${rowKey(sent)}|${match[2] === 'credits' ? 'credits' : 'cost'}`]: failure.message });
      } else {
        setFormError(describeError(failure, []).form);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="section" aria-labelledby="prices-title">
      <h2 id="prices-title">Prices</h2>
      <p class="muted">Credits charged per image, and what the provider charges us. Only new requests see a change.</p>
      <LoadError message={pricing.error} onRetry={pricing.retry} />
      {pricing.loading && !pricing.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading prices…
        </p>
      )}
      {rows.length > 0 && (
        <form onSubmit={save} noValidate aria-labelledby="prices-title">
          <FormAlert message={formError} />
          <div class="table-wrap" role="region" aria-labelledby="prices-caption" tabIndex={0}>
            <table class="data-table price-table" ref={table} data-testid="price-table">
              <caption id="prices-caption">Price per image by model, size and quality</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Size</th>
                  <th scope="col">Quality</th>
                  <th scope="col">Credits</th>
                  <th scope="col">Provider cost (USD)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const key = rowKey(row);
                  const draft = drafts[key];
                  const id = rowId(row);
                  const label = `${row.model} ${row.size} ${row.quality}`;
                  const creditsError = fieldErrors[`${key}|credits`];
                  const costError = fieldErrors[`${key}|cost`];
                  return (
                    <tr key={key} data-testid="price-row" data-model={row.model} data-size={row.size} data-quality={row.quality}>
                      <th scope="row">{row.model}</th>
                      <td>{row.size}</td>
                      <td>{row.quality}</td>
                      <td>
                        <label for={`credits-${id}`} class="visually-hidden">
                          Credits for {label}
                        </label>
                        <input
                          id={`credits-${id}`}
                          class="cell-input"
                          type="number"
                          inputMode="numeric"
                          min={1}
                          max={100000}
                          value={draft?.credits ?? String(row.credits)}
                          onInput={(event) => edit(row, { credits: event.currentTarget.value })}
                          aria-invalid={creditsError ? 'true' : undefined}
                          aria-describedby={creditsError ? `credits-${id}-error` : undefined}
                          data-testid="price-credits"
                        />
                        {creditsError && (
                          <p id={`credits-${id}-error`} class="field-error">
                            {creditsError}
                          </p>
                        )}
                      </td>
                      <td>
                        <label for={`cost-${id}`} class="visually-hidden">
                          Provider cost in US dollars for {label}
                        </label>
                        <input
                          id={`cost-${id}`}
                          class="cell-input"
                          type="text"
                          inputMode="decimal"
                          value={draft?.cost ?? String(row.provider_cost_usd)}
                          onInput={(event) => edit(row, { cost: event.currentTarget.value })}
                          aria-invalid={costError ? 'true' : undefined}
                          aria-describedby={costError ? `cost-${id}-error` : undefined}
                          data-testid="price-cost"
                        />
                        {costError && (
                          <p id={`cost-${id}-error`} class="field-error">
                            {costError}
                          </p>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div class="form-footer">
            <p class="muted" aria-live="polite">
              {changed.length === 0 ? 'No unsaved changes.' : `${changed.length} unsaved ${changed.length === 1 ? 'change' : 'changes'}.`}
            </p>
            <SubmitButton busy={busy} busyText="Saving prices…" testId="save-prices">
              Save prices
            </SubmitButton>
          </div>
        </form>
      )}
    </section>
  );
}

function SettingsPanel({ onSaved }: { onSaved: (message: string) => void }) {
  const settings = useApiData((signal) => adminApi.settings(signal));
  return (
    <>
      <section class="card settings-section" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <LoadError message={settings.error} onRetry={settings.retry} />
        {settings.loading && !settings.data && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading settings…
          </p>
        )}
        {settings.data && <SettingsForm key={JSON.stringify(settings.data)} settings={settings.data} onSaved={onSaved} />}
      </section>
      {settings.data && <ModelToggles models={settings.data.models} onSaved={onSaved} />}
    </>
  );
}

function SettingsForm({ settings, onSaved }: { settings: AdminSettings; onSaved: (message: string) => void }) {
  const [saved, setSaved] = useState(settings);
  const [bonus, setBonus] = useState(settings.signup_bonus === undefined ? '' : String(settings.signup_bonus));
  const [cap, setCap] = useState(settings.daily_spend_cap === null ? '' : String(settings.daily_spend_cap));
  const [fallback, setFallback] = useState(settings.provider_fallback);
  const { busy, errors, run, formRef } = useFormSubmit(SETTINGS_FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    const change: SettingsChange = {};
    void run(
      () => {
        const invalid: FieldErrors = {};
        if (bonus.trim() !== '' && bonus.trim() !== String(saved.signup_bonus ?? '')) {
          if (!/^\d+$/.test(bonus.trim())) invalid.signup_bonus = 'A whole number of credits, 0 or more.';
          else change.signup_bonus = Number(bonus.trim());
        }
        const capText = cap.trim();
        if (capText !== (saved.daily_spend_cap === null ? '' : String(saved.daily_spend_cap))) {
          if (capText === '') change.daily_spend_cap = null;
          else if (!/^\d+$/.test(capText) || Number(capText) < 1) invalid.daily_spend_cap = 'A whole number, 1 or more; empty for no cap.';
          else change.daily_spend_cap = Number(capText);
        }
        if (fallback !== saved.provider_fallback) change.provider_fallback = fallback;
        return invalid;
      },
      async () => {
        if (Object.keys(change).length === 0) {
          onSaved('Nothing to save: the settings are unchanged.');
          return;
        }
        setSaved(await adminApi.updateSettings(change));
        onSaved('Settings saved.');
      },
    );
  }

  return (
    <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="settings-title" class="narrow-form">
      <FormAlert message={errors.form} />
      <Field
        id="signup_bonus"
        label="Signup bonus (credits)"
        type="number"
        min={0}
        hint="Credits each new account starts with."
        value={bonus}
        onValue={setBonus}
        error={errors.fields.signup_bonus}
      />
      <Field
        id="daily_spend_cap"
        label="Daily spend cap per user (credits)"
        type="number"
        min={1}
        hint="Leave empty for no cap."
        value={cap}
        onValue={setCap}
        error={errors.fields.daily_spend_cap}
      />
      <div class="field checkbox-field">
        <input
          id="provider_fallback"
          type="checkbox"
          checked={fallback}
          onChange={(event) => setFallback(event.currentTarget.checked)}
          aria-describedby="provider_fallback-hint"
        />
        <label for="provider_fallback">Fall back to another provider when one fails</label>
        <p id="provider_fallback-hint" class="field-hint">
          A failed request is retried once with the next enabled model.
        </p>
      </div>
      <SubmitButton busy={busy} busyText="Saving settings…" testId="save-settings">
        Save settings
      </SubmitButton>
    </form>
  );
}

function ModelToggles({ models, onSaved }: { models: Record<string, boolean>; onSaved: (message: string) => void }) {
  const [state, setState] = useState(models);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function toggle(model: string, enabled: boolean) {
    if (pending) return;
    setPending(model);
    setError(null);
    setState((previous) => ({ ...previous, [model]: enabled }));
    try {
      await adminApi.setModelEnabled(model, enabled);
      onSaved(`${model} is ${enabled ? 'enabled' : 'disabled'}.`);
    } catch (failure) {
      setState((previous) => ({ ...previous, [model]: !enabled }));
      setError(describeError(failure, []).form);
    } finally {
      setPending(null);
    }
  }

  return (
    <section class="card settings-section" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <p class="muted">A disabled model is hidden from Generate and refused by the API.</p>
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <ul class="toggle-list">
        {Object.entries(state).map(([model, enabled]) => (
          <li key={model} class="checkbox-field">
            <input
              id={`model-${model}`}
              type="checkbox"
              checked={enabled}
              aria-busy={pending === model ? 'true' : undefined}
              onChange={(event) => void toggle(model, event.currentTarget.checked)}
              data-testid="model-toggle"
            />
            <label for={`model-${model}`}>
              <code>{model}</code> enabled
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
