import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { adminApi, type AdminSettings, type PriceRow, type RateRow, type SettingsChange } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { Toast, useToast } from '../../components/Toast';
import { formatPercent, formatUsd } from '../../format';
import { describeError, useFormSubmit, type FieldErrors } from '../../forms';
import { useApiData } from '../../hooks';
import { useUnsavedChanges } from '../../unsaved';

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

const keyId = (key: string) => key.replace(/[^a-zA-Z0-9_-]/g, '-');
const UNIT_LABELS: Record<RateRow['unit'], string> = { megapixel: 'per megapixel', frame: 'per GIF frame' };
const unitLabel = (row: RateRow) => UNIT_LABELS[row.unit] ?? row.unit;

interface Draft {
  credits: string;
  cost: string;
}

type Drafts = Record<string, Draft>;

/** The two tables differ in their second column, their credits rule and their names; the rest is shared. */
interface RowKind<Row extends PriceRow | RateRow> {
  /** The list of PUT /v1/admin/pricing the rows go in. */
  list: 'items' | 'rates';
  testId: 'price' | 'rate';
  key: (row: Row) => string;
  caption: string;
  wrapClass: string;
  /** The column between model and quality: the preset size, or the unit a rate is per. */
  variant: { header: string; text: (row: Row) => string; data: (row: Row) => Record<string, string> };
  /** Preset prices are whole credits; rates may be fractional. */
  wholeCredits: boolean;
  creditsValid: (credits: number, text: string) => boolean;
  creditsRule: string;
}

const PRICES: RowKind<PriceRow> = {
  list: 'items',
  testId: 'price',
  key: (row) => `price|${row.model}|${row.size}|${row.quality}`,
  caption: 'Price per image by model, preset size and quality',
  wrapClass: 'table-wrap',
  variant: { header: 'Size', text: (row) => row.size, data: (row) => ({ 'data-size': row.size }) },
  wholeCredits: true,
  creditsValid: (credits, text) => /^\d+$/.test(text) && credits >= 1 && credits <= 100_000,
  creditsRule: 'A whole number from 1 to 100,000.',
};

const RATES: RowKind<RateRow> = {
  list: 'rates',
  testId: 'rate',
  key: (row) => `rate|${row.model}|${row.unit}|${row.quality}`,
  caption: 'Rates for custom sizes (per megapixel) and GIFs (per frame), by quality',
  wrapClass: 'table-wrap rate-table',
  variant: { header: 'Unit', text: unitLabel, data: (row) => ({ 'data-unit': row.unit }) },
  wholeCredits: false,
  creditsValid: (credits, text) => /^\d+(\.\d+)?$/.test(text) && credits >= 0.001 && credits <= 100_000,
  creditsRule: 'Credits from 0.001 to 100,000; decimals allowed.',
};

function isChanged(draft: Draft | undefined, row: { credits: number; provider_cost_usd: number }): boolean {
  return !!draft && (Number(draft.credits) !== row.credits || Number(draft.cost) !== row.provider_cost_usd);
}

/** The changed rows of one kind as they would be sent, with a message per invalid cell in `invalid`. */
function editedRows<Row extends PriceRow | RateRow>(kind: RowKind<Row>, rows: Row[], drafts: Drafts, invalid: FieldErrors): Row[] {
  return rows
    .filter((row) => isChanged(drafts[kind.key(row)], row))
    .map((row) => {
      const key = kind.key(row);
      const credits = drafts[key].credits.trim();
      const cost = drafts[key].cost.trim();
      if (!kind.creditsValid(Number(credits), credits)) invalid[`${key}|credits`] = kind.creditsRule;
      if (!/^\d+(\.\d+)?$/.test(cost) || Number(cost) > 1000) invalid[`${key}|cost`] = 'US dollars from 0 to 1000.';
      return { ...row, credits: Number(credits), provider_cost_usd: Number(cost) };
    });
}

/** The preset prices (credits per image) and the rates (credits per megapixel or per frame), saved together. */
function PriceTable({ onSaved }: { onSaved: (message: string) => void }) {
  const pricing = useApiData((signal) => adminApi.pricing(signal));
  const [rows, setRows] = useState<PriceRow[]>([]);
  const [rates, setRates] = useState<RateRow[]>([]);
  const [drafts, setDrafts] = useState<Drafts>({});
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (pricing.data) {
      setRows(pricing.data.items);
      setRates(pricing.data.rates ?? []);
      setDrafts({});
    }
  }, [pricing.data]);

  useEffect(() => {
    if (Object.keys(fieldErrors).length) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [fieldErrors]);

  const changeCount =
    rows.filter((row) => isChanged(drafts[PRICES.key(row)], row)).length +
    rates.filter((row) => isChanged(drafts[RATES.key(row)], row)).length;
  useUnsavedChanges(changeCount > 0);

  function edit(key: string, row: { credits: number; provider_cost_usd: number }, part: Partial<Draft>) {
    setDrafts((previous) => ({
      ...previous,
      [key]: { ...(previous[key] ?? { credits: String(row.credits), cost: String(row.provider_cost_usd) }), ...part },
    }));
  }

  async function save(event: Event) {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const invalid: FieldErrors = {};
    const items = editedRows(PRICES, rows, drafts, invalid);
    const rateItems = editedRows(RATES, rates, drafts, invalid);
    setFieldErrors(invalid);
    if (Object.keys(invalid).length) return;
    if (items.length + rateItems.length === 0) {
      setFormError('Nothing has changed yet.');
      return;
    }
    setBusy(true);
    try {
      const result = await adminApi.setPricing(items, rateItems);
      setRows(result.items);
      setRates(result.rates ?? rates);
      setDrafts({});
      const saved = [
        items.length ? `${items.length} ${items.length === 1 ? 'price' : 'prices'}` : null,
        rateItems.length ? `${rateItems.length} ${rateItems.length === 1 ? 'rate' : 'rates'}` : null,
      ].filter(Boolean);
      onSaved(`${saved.join(' and ')} saved. New requests use them from now on.`);
    } catch (failure) {
      const field = failure instanceof ApiError ? (failure.field ?? '') : '';
      const match = /^(items|rates)\[(\d+)\]\.(credits|provider_cost_usd)$/.exec(field);
      const sent = { items: items.map(PRICES.key), rates: rateItems.map(RATES.key) };
      const key = match ? sent[match[1] as keyof typeof sent][Number(match[2])] : undefined;
      if (match && key && failure instanceof ApiError) {
        setFieldErrors({ [`${key}|${match[3] === 'credits' ? 'credits' : 'cost'}`]: failure.message });
      } else {
        setFormError(describeError(failure, []).form);
      }
    } finally {
      setBusy(false);
    }
  }

  const table = { drafts, errors: fieldErrors, onEdit: edit };
  return (
    <section class="section" aria-labelledby="prices-title">
      <h2 id="prices-title">Prices</h2>
      <p class="muted">
        Credits charged per image at a preset size, per megapixel at a custom size and per frame of a GIF, and what the
        provider charges us. The margin is what those credits bring at $0.01 each, less the provider cost. Only new
        requests see a change.
      </p>
      <LoadError message={pricing.error} onRetry={pricing.retry} />
      {pricing.loading && !pricing.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading prices…
        </p>
      )}
      {(rows.length > 0 || rates.length > 0) && (
        <form ref={form} onSubmit={save} noValidate aria-labelledby="prices-title">
          <FormAlert message={formError} />
          {rows.length > 0 && <EditableTable kind={PRICES} rows={rows} {...table} />}
          {rates.length > 0 && <EditableTable kind={RATES} rows={rates} {...table} />}
          <div class="form-footer">
            <p class="muted" aria-live="polite">
              {changeCount === 0 ? 'No unsaved changes.' : `${changeCount} unsaved ${changeCount === 1 ? 'change' : 'changes'}.`}
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

interface EditableTableProps<Row extends PriceRow | RateRow> {
  kind: RowKind<Row>;
  rows: Row[];
  drafts: Drafts;
  errors: FieldErrors;
  onEdit: (key: string, row: Row, part: Partial<Draft>) => void;
}

function EditableTable<Row extends PriceRow | RateRow>({ kind, rows, drafts, errors, onEdit }: EditableTableProps<Row>) {
  const captionId = `${kind.list === 'items' ? 'prices' : 'rates'}-caption`;
  return (
    <div class={kind.wrapClass} role="region" aria-labelledby={captionId} tabIndex={0}>
      <table class="data-table price-table" data-testid={`${kind.testId}-table`}>
        <caption id={captionId}>{kind.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">{kind.variant.header}</th>
            <th scope="col">Quality</th>
            <th scope="col">Credits</th>
            <th scope="col">Provider cost (USD)</th>
            <th scope="col" class="num">
              Margin
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = kind.key(row);
            const variant = kind.variant.text(row);
            return (
              <tr key={key} data-testid={`${kind.testId}-row`} data-model={row.model} {...kind.variant.data(row)} data-quality={row.quality}>
                <th scope="row">{row.model}</th>
                <td data-label={kind.variant.header}>{variant}</td>
                <td data-label="Quality">{row.quality}</td>
                <PriceCells
                  rowKey={key}
                  row={row}
                  draft={drafts[key]}
                  label={`${row.model} ${variant} ${row.quality}`}
                  errors={errors}
                  wholeCredits={kind.wholeCredits}
                  testIdPrefix={kind.testId}
                  onEdit={(part) => onEdit(key, row, part)}
                />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface PriceCellsProps {
  rowKey: string;
  row: { credits: number; provider_cost_usd: number };
  draft: Draft | undefined;
  label: string;
  errors: FieldErrors;
  wholeCredits: boolean;
  testIdPrefix: string;
  onEdit: (part: Partial<Draft>) => void;
}

function PriceCells({ rowKey, row, draft, label, errors, wholeCredits, testIdPrefix, onEdit }: PriceCellsProps) {
  const id = keyId(rowKey);
  const creditsError = errors[`${rowKey}|credits`];
  const costError = errors[`${rowKey}|cost`];
  const credits = draft?.credits ?? String(row.credits);
  const cost = draft?.cost ?? String(row.provider_cost_usd);
  return (
    <>
      <td data-label="Credits">
        <label for={`credits-${id}`} class="visually-hidden">
          Credits for {label}
        </label>
        <input
          id={`credits-${id}`}
          class="cell-input"
          // Preact's typings tie `type` to per-type attribute sets; number and text share the ones used here.
          type={(wholeCredits ? 'number' : 'text') as 'text'}
          inputMode={wholeCredits ? 'numeric' : 'decimal'}
          min={wholeCredits ? 1 : undefined}
          max={wholeCredits ? 100000 : undefined}
          value={credits}
          onInput={(event) => onEdit({ credits: event.currentTarget.value })}
          aria-invalid={creditsError ? 'true' : undefined}
          aria-describedby={creditsError ? `credits-${id}-error` : undefined}
          data-testid={`${testIdPrefix}-credits`}
        />
        {creditsError && (
          <p id={`credits-${id}-error`} class="field-error">
            {creditsError}
          </p>
        )}
      </td>
      <td data-label="Provider cost (USD)">
        <label for={`cost-${id}`} class="visually-hidden">
          Provider cost in US dollars for {label}
        </label>
        <input
          id={`cost-${id}`}
          class="cell-input"
          type="text"
          inputMode="decimal"
          value={cost}
          onInput={(event) => onEdit({ cost: event.currentTarget.value })}
          aria-invalid={costError ? 'true' : undefined}
          aria-describedby={costError ? `cost-${id}-error` : undefined}
          data-testid={`${testIdPrefix}-cost`}
        />
        {costError && (
          <p id={`cost-${id}-error`} class="field-error">
            {costError}
          </p>
        )}
      </td>
      <td class="num" data-label="Margin" data-testid={`${testIdPrefix}-margin`}>
        <Margin credits={credits} cost={cost} />
      </td>
    </>
  );
}

/** What the credits bring at $0.01 each, less the provider cost, in dollars and as a share of the takings. */
function Margin({ credits, cost }: { credits: string; cost: string }) {
  const takings = Number(credits) / 100;
  const providerCost = Number(cost);
  if (!credits.trim() || !cost.trim() || !Number.isFinite(takings) || !Number.isFinite(providerCost) || takings <= 0) {
    return <span class="muted">—</span>;
  }
  const margin = takings - providerCost;
  return (
    <span class={margin < 0 ? 'margin margin-negative' : 'margin'}>
      {formatUsd(margin, 2, 4)} <span class="margin-share">({formatPercent((margin / takings) * 100)})</span>
    </span>
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
  useUnsavedChanges(
    (bonus.trim() !== '' && bonus.trim() !== String(saved.signup_bonus ?? '')) ||
      cap.trim() !== (saved.daily_spend_cap === null ? '' : String(saved.daily_spend_cap)) ||
      fallback !== saved.provider_fallback,
  );

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
