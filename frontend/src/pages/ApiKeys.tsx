import { useState } from 'preact/hooks';
import { CheckboxGroup } from '../components/CheckboxGroup';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { OneTimeSecret } from '../components/OneTimeSecret';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { Toast, useToast } from '../components/Toast';
import { developerApi, type ApiKey, type CreatedApiKey } from '../developer';
import { formatCredits, formatDateTime } from '../format';
import { describeError, useFormSubmit, type FieldErrors } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import '../admin.css';

const FIELDS = ['name', 'monthly_cap_credits', 'rate_limit_per_minute', 'scopes', 'allowed_models', 'allowed_ips', 'expires_at'] as const;
const SCOPES = [
  { id: 'generate', label: 'Generate images (quotes, generations, uploads, the OpenAI-compatible API)' },
  { id: 'library:read', label: 'Read the library (list, view and download images)' },
  { id: 'library:write', label: 'Change the library (favourite, share, delete)' },
] as const;
type Scope = (typeof SCOPES)[number]['id'];

/** Words separated by commas, spaces or new lines; undefined when there are none. */
function listOf(text: string): string[] | undefined {
  const items = text.split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

/** What a key is held to, in a few words for the table. */
function limitsOf(key: ApiKey): string {
  const parts: string[] = [];
  if (key.scopes.length < SCOPES.length) parts.push(key.scopes.join(', '));
  if (key.allowed_models) parts.push(`models: ${key.allowed_models.join(', ')}`);
  if (key.allowed_ips) parts.push(`from: ${key.allowed_ips.join(', ')}`);
  if (key.expires_at) parts.push(`until ${formatDateTime(key.expires_at)}`);
  return parts.length ? parts.join('; ') : 'None';
}

export function ApiKeys() {
  usePageTitle('API keys');
  return <RequireAuth>{() => <ApiKeysContent />}</RequireAuth>;
}

function ApiKeysContent() {
  const keys = useApiData((signal) => developerApi.apiKeys(signal));
  const toast = useToast();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);

  async function revoke() {
    if (!revoking || busy) return;
    setBusy(true);
    setRevokeError(null);
    try {
      await developerApi.revokeApiKey(revoking.id);
      toast.show(`Key ${revoking.name} revoked. Requests with it are now refused.`);
      if (created?.id === revoking.id) setCreated(null);
      setRevoking(null);
      keys.retry();
    } catch (failure) {
      setRevokeError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="developer">
      <div class="page-head">
        <h1 class="page-title">API keys</h1>
        <div class="page-actions">
          <a href="/developers/webhooks" class="btn btn-secondary">
            Webhooks
          </a>
          <a href="/developers" class="btn btn-secondary">
            Developer docs
          </a>
        </div>
      </div>
      <p class="lead">
        Keys let your own scripts call the Pixmint API with the <code>X-API-Key</code> header. Generations made with a key
        are paid from your credits.
      </p>

      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.retry();
        }}
      />
      {created && (
        <OneTimeSecret
          name="key"
          title={`Your new key “${created.name}”`}
          warning={
            <>
              <strong>Copy this key now.</strong> It is shown only once: Pixmint keeps only a fingerprint of it. If you lose
              it, revoke it and create another.
            </>
          }
          label="API key"
          value={created.key}
          onDone={() => setCreated(null)}
          onCopied={toast.show}
        />
      )}

      <section class="section" aria-labelledby="keys-title">
        <h2 id="keys-title">Your keys</h2>
        <LoadError message={keys.error} onRetry={keys.retry} />
        {keys.loading && !keys.data && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading your keys…
          </p>
        )}
        {keys.data && keys.data.items.length === 0 && (
          <p class="muted" data-testid="api-keys-empty">
            You have no API keys yet.
          </p>
        )}
        {keys.data && keys.data.items.length > 0 && (
          <div class="table-wrap" role="region" aria-labelledby="keys-caption" tabIndex={0}>
            <table class="data-table" data-testid="api-keys-table">
              <caption id="keys-caption">API keys, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col" class="num">
                    Used this month
                  </th>
                  <th scope="col" class="num">
                    Requests per minute
                  </th>
                  <th scope="col">Limits</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((key) => (
                  <tr key={key.id} data-testid="api-key-row" data-name={key.name} data-status={key.revoked_at ? 'revoked' : 'active'}>
                    <th scope="row">{key.name}</th>
                    <td>
                      <code>{key.prefix}…</code>
                    </td>
                    <td>
                      <time dateTime={key.created_at}>{formatDateTime(key.created_at)}</time>
                    </td>
                    <td>{key.last_used_at ? <time dateTime={key.last_used_at}>{formatDateTime(key.last_used_at)}</time> : 'Never'}</td>
                    <td class="num">
                      {formatCredits(key.used_this_month)}
                      {key.monthly_cap_credits !== null ? ` / ${formatCredits(key.monthly_cap_credits)}` : ''} credits
                      {key.monthly_cap_credits === null && <span class="visually-hidden"> (no monthly cap)</span>}
                    </td>
                    <td class="num">{key.rate_limit_per_minute ?? 'Default'}</td>
                    <td data-testid="api-key-limits">{limitsOf(key)}</td>
                    <td>
                      <span class={`status-badge ${key.revoked_at ? 'status-failed' : 'status-paid'}`}>
                        {key.revoked_at ? 'Revoked' : 'Active'}
                      </span>
                    </td>
                    <td>
                      {!key.revoked_at && (
                        <button
                          type="button"
                          class="btn btn-danger-outline btn-small"
                          onClick={() => {
                            setRevokeError(null);
                            setRevoking(key);
                          }}
                          aria-label={`Revoke key ${key.name}`}
                          data-testid="revoke-key"
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke key ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke key"
        busy={busy}
        error={revokeError}
        onConfirm={revoke}
        onCancel={() => setRevoking(null)}
        testId="revoke-key-dialog"
      >
        <p>Scripts using this key stop working at once. This cannot be undone.</p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </div>
  );
}

/** "" → undefined; otherwise a whole number, or an error message. */
function wholeNumber(value: string, label: string, min: number, max: number): { value?: number; error?: string } {
  const text = value.trim();
  if (!text) return {};
  if (!/^\d+$/.test(text)) return { error: `${label} is a whole number.` };
  const number = Number(text);
  if (number < min || number > max) return { error: `${label} is from ${formatCredits(min)} to ${formatCredits(max)}.` };
  return { value: number };
}

function CreateKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState('');
  const [cap, setCap] = useState('');
  const [rate, setRate] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(SCOPES.map((scope) => scope.id));
  const [models, setModels] = useState('');
  const [addresses, setAddresses] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    const capValue = wholeNumber(cap, 'The monthly cap', 1, 100_000_000);
    const rateValue = wholeNumber(rate, 'Requests per minute', 1, 100_000);
    void run(
      () => {
        const invalid: FieldErrors = {};
        if (!name.trim()) invalid.name = 'Enter a name for the key.';
        else if (name.trim().length > 100) invalid.name = 'Names are at most 100 characters.';
        if (capValue.error) invalid.monthly_cap_credits = capValue.error;
        if (rateValue.error) invalid.rate_limit_per_minute = rateValue.error;
        if (!scopes.length) invalid.scopes = 'Choose at least one thing the key may do.';
        if (expires && !(new Date(`${expires}T23:59:59Z`).getTime() > Date.now())) invalid.expires_at = 'Choose a day after today.';
        return invalid;
      },
      async () => {
        const key = await developerApi.createApiKey({
          name: name.trim(),
          ...(capValue.value !== undefined ? { monthly_cap_credits: capValue.value } : {}),
          ...(rateValue.value !== undefined ? { rate_limit_per_minute: rateValue.value } : {}),
          ...(scopes.length < SCOPES.length ? { scopes } : {}),
          ...(listOf(models) ? { allowed_models: listOf(models) } : {}),
          ...(listOf(addresses) ? { allowed_ips: listOf(addresses) } : {}),
          ...(expires ? { expires_at: `${expires}T23:59:59Z` } : {}),
        });
        setName('');
        setCap('');
        setRate('');
        setScopes(SCOPES.map((scope) => scope.id));
        setModels('');
        setAddresses('');
        setExpires('');
        onCreated(key);
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="create-key-title" class="narrow-form">
        <FormAlert message={errors.form} />
        <Field
          id="name"
          label="Name"
          hint="So you can tell your keys apart, e.g. “Build server”."
          required
          value={name}
          onValue={setName}
          error={errors.fields.name}
        />
        <div class="field-row">
          <Field
            id="monthly_cap_credits"
            label="Monthly credit cap (optional)"
            type="number"
            min={1}
            hint="Requests are refused once the key has spent this many credits in a month."
            value={cap}
            onValue={setCap}
            error={errors.fields.monthly_cap_credits}
          />
          <Field
            id="rate_limit_per_minute"
            label="Requests per minute (optional)"
            type="number"
            min={1}
            hint="Leave empty for the default limit."
            value={rate}
            onValue={setRate}
            error={errors.fields.rate_limit_per_minute}
          />
        </div>
        <CheckboxGroup
          id="scope"
          legend="What the key may do"
          options={SCOPES}
          value={scopes}
          onValue={setScopes}
          error={errors.fields.scopes}
        />
        <Field
          id="allowed_models"
          label="Only these models (optional)"
          hint="Model ids separated by commas, e.g. gpt-image-2.5-flare. Leave empty for any model."
          value={models}
          onValue={setModels}
          error={errors.fields.allowed_models}
        />
        <div class="field-row">
          <Field
            id="allowed_ips"
            label="Only from these addresses (optional)"
            hint="IP addresses or CIDR ranges separated by commas, e.g. 203.0.113.0/24."
            value={addresses}
            onValue={setAddresses}
            error={errors.fields.allowed_ips}
          />
          <Field
            id="expires_at"
            label="Expires after (optional)"
            type="date"
            hint="The key stops working at the end of this day (UTC)."
            value={expires}
            onValue={setExpires}
            error={errors.fields.expires_at}
          />
        </div>
        <SubmitButton busy={busy} busyText="Creating your key…" testId="create-key">
          Create key
        </SubmitButton>
      </form>
    </section>
  );
}
