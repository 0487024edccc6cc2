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
import {
  developerApi,
  type CreatedWebhookEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEvent,
} from '../developer';
import { formatDateTime, formatNumber } from '../format';
import { describeError, useFormSubmit, type FieldErrors } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import '../admin.css';

const FIELDS = ['url', 'events', 'description'] as const;
const EVENTS: { id: WebhookEvent; label: string }[] = [
  { id: 'generation.succeeded', label: 'A generation succeeded' },
  { id: 'generation.failed', label: 'A generation failed (its credits returned)' },
  { id: 'credits.purchased', label: 'Credits were bought' },
  { id: 'credits.low', label: 'The balance fell below 100 credits' },
];

const EVENT_OPTIONS = EVENTS.map((item) => ({
  id: item.id,
  label: (
    <>
      <code>{item.id}</code> {item.label}
    </>
  ),
}));

/** Where an endpoint stands, in words and as a data attribute for tests. */
function stateOf(endpoint: WebhookEndpoint): { state: 'on' | 'failing' | 'off'; text: string } {
  if (!endpoint.enabled) {
    return { state: 'off', text: endpoint.disabled_reason ? `Off: ${endpoint.disabled_reason}` : 'Off' };
  }
  if (endpoint.failing_since) return { state: 'failing', text: `Failing since ${formatDateTime(endpoint.failing_since)}` };
  return { state: 'on', text: 'On' };
}

export function Webhooks() {
  usePageTitle('Webhooks');
  return <RequireAuth>{() => <WebhooksContent />}</RequireAuth>;
}

function WebhooksContent() {
  const endpoints = useApiData((signal) => developerApi.webhookEndpoints(signal));
  const toast = useToast();
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  // Read the open delivery log again after each action (a test event, turning the endpoint back on).
  const [round, setRound] = useState(0);

  /** One action on one endpoint at a time; its outcome goes to the toast. */
  async function act(id: string, action: () => Promise<string>) {
    if (busy) return;
    setBusy(id);
    try {
      toast.show(await action());
      setRound((previous) => previous + 1);
      endpoints.retry();
    } catch (failure) {
      toast.show(describeError(failure, []).form ?? 'That did not work. Try again.');
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    if (!deleting || busy) return;
    setBusy(deleting.id);
    setDeleteError(null);
    if (opened === deleting.id) setOpened(null);
    try {
      await developerApi.deleteWebhookEndpoint(deleting.id);
      toast.show(`Endpoint ${deleting.url} deleted with its delivery log.`);
      if (created?.id === deleting.id) setCreated(null);
      setDeleting(null);
      endpoints.retry();
    } catch (failure) {
      setDeleteError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  const items = endpoints.data?.items ?? [];
  return (
    <div class="developer">
      <div class="page-head">
        <h1 class="page-title">Webhooks</h1>
        <div class="page-actions">
          <a href="/developers#webhooks-title" class="btn btn-secondary">
            How deliveries are signed
          </a>
        </div>
      </div>
      <p class="lead">
        Pixmint POSTs a signed event to your endpoint when a generation finishes or credits change, and retries for about a
        day when it does not answer with a 2xx.
      </p>

      <CreateEndpointForm
        onCreated={(endpoint) => {
          setCreated(endpoint);
          endpoints.retry();
        }}
      />
      {created && (
        <OneTimeSecret
          name="secret"
          title={`Signing secret for ${created.url}`}
          warning={
            <>
              <strong>Copy this secret now.</strong> It is shown only once; your endpoint checks every delivery's signature
              with it.
            </>
          }
          label="Signing secret"
          value={created.secret}
          onDone={() => setCreated(null)}
          onCopied={toast.show}
        />
      )}

      <section class="section" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Your endpoints</h2>
        <LoadError message={endpoints.error} onRetry={endpoints.retry} />
        {endpoints.loading && !endpoints.data && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading your endpoints…
          </p>
        )}
        {endpoints.data && items.length === 0 && (
          <p class="muted" data-testid="webhooks-empty">
            You have no webhook endpoints yet.
          </p>
        )}
        {items.length > 0 && (
          <ul class="endpoint-list">
            {items.map((endpoint) => {
              const { state, text } = stateOf(endpoint);
              return (
                <li key={endpoint.id} class="card endpoint" data-testid="webhook-row" data-state={state}>
                  <p class="endpoint-url">
                    <code>{endpoint.url}</code>
                  </p>
                  {endpoint.description && <p class="muted">{endpoint.description}</p>}
                  <p>
                    <span class={`status-badge status-${state}`} data-testid="webhook-state">
                      {text}
                    </span>{' '}
                    <span class="muted">{endpoint.events.join(', ')}</span>
                  </p>
                  <div class="endpoint-actions">
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      aria-pressed={endpoint.enabled ? 'true' : 'false'}
                      aria-busy={busy === endpoint.id ? 'true' : undefined}
                      onClick={() =>
                        void act(endpoint.id, async () => {
                          await developerApi.setWebhookEndpointEnabled(endpoint.id, !endpoint.enabled);
                          return endpoint.enabled ? 'Endpoint turned off.' : 'Endpoint turned on; what waited for it is sent now.';
                        })
                      }
                      data-testid="webhook-toggle"
                    >
                      {endpoint.enabled ? 'Turn off' : 'Turn on'}
                    </button>
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      disabled={!endpoint.enabled}
                      onClick={() =>
                        void act(endpoint.id, async () => {
                          await developerApi.testWebhookEndpoint(endpoint.id);
                          setOpened(endpoint.id);
                          return 'A webhook.test event is on its way.';
                        })
                      }
                      data-testid="webhook-test"
                    >
                      Send a test event
                    </button>
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      aria-expanded={opened === endpoint.id ? 'true' : 'false'}
                      aria-controls={`deliveries-${endpoint.id}`}
                      onClick={() => setOpened(opened === endpoint.id ? null : endpoint.id)}
                      data-testid="webhook-deliveries-toggle"
                    >
                      Recent deliveries
                    </button>
                    <button
                      type="button"
                      class="btn btn-danger btn-small"
                      aria-label={`Delete endpoint ${endpoint.url}`}
                      onClick={() => {
                        setDeleteError(null);
                        setDeleting(endpoint);
                      }}
                    >
                      Delete
                    </button>
                  </div>
                  {opened === endpoint.id && <Deliveries id={endpoint.id} refresh={round} />}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <ConfirmDialog
        open={deleting !== null}
        title={`Delete endpoint ${deleting?.url ?? ''}?`}
        confirmLabel="Delete endpoint"
        busy={busy !== null}
        error={deleteError}
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(null)}
        testId="delete-endpoint-dialog"
      >
        <p>Nothing more is sent to it, and its delivery log goes with it.</p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </div>
  );
}

function Deliveries({ id, refresh }: { id: string; refresh: number }) {
  const deliveries = useApiData((signal) => developerApi.webhookDeliveries(id, signal), [id, refresh]);
  const items = deliveries.data?.items ?? [];
  return (
    <div id={`deliveries-${id}`} class="deliveries" data-testid="webhook-deliveries">
      <button
        type="button"
        class="btn btn-secondary btn-small"
        aria-busy={deliveries.loading ? 'true' : undefined}
        onClick={deliveries.retry}
        data-testid="webhook-deliveries-refresh"
      >
        Refresh
      </button>
      <LoadError message={deliveries.error} onRetry={deliveries.retry} />
      {deliveries.data && items.length === 0 && <p class="muted">Nothing sent yet.</p>}
      {items.length > 0 && (
        <div class="table-wrap" role="region" aria-label="Recent deliveries" tabIndex={0}>
          <table class="data-table">
            <caption class="visually-hidden">Recent deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">State</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id} data-testid="webhook-delivery" data-state={delivery.state}>
                  <th scope="row">
                    <time dateTime={delivery.created_at}>{formatDateTime(delivery.created_at)}</time>
                  </th>
                  <td>{delivery.event_type}</td>
                  <td>{delivery.state}</td>
                  <td class="num">{formatNumber(delivery.attempts)}</td>
                  <td>{lastAnswer(delivery)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function lastAnswer(delivery: WebhookDelivery): string {
  if (delivery.last_status !== null) return `HTTP ${delivery.last_status}`;
  return delivery.last_error ?? '—';
}

function CreateEndpointForm({ onCreated }: { onCreated: (endpoint: CreatedWebhookEndpoint) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['generation.succeeded', 'generation.failed']);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => {
        const problems: FieldErrors = {};
        if (!url.trim()) problems.url = 'Enter the address Pixmint should POST to.';
        if (events.length === 0) problems.events = 'Choose at least one event.';
        return problems;
      },
      async () => {
        const endpoint = await developerApi.createWebhookEndpoint({
          url: url.trim(),
          events,
          ...(description.trim() ? { description: description.trim() } : {}),
        });
        setUrl('');
        setDescription('');
        onCreated(endpoint);
      },
    );
  }

  return (
    <section class="card" aria-labelledby="new-endpoint-title">
      <h2 id="new-endpoint-title">Add an endpoint</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="new-endpoint-title">
        <FormAlert message={errors.form} />
        <Field
          id="url"
          label="Endpoint URL"
          required
          hint="https on a public address (the local stack also takes http)."
          value={url}
          onValue={setUrl}
          error={errors.fields.url}
        />
        <CheckboxGroup
          id="event"
          legend="Events"
          options={EVENT_OPTIONS}
          value={events}
          onValue={setEvents}
          error={errors.fields.events}
        />
        <Field
          id="description"
          label="Description (optional)"
          value={description}
          onValue={setDescription}
          error={errors.fields.description}
        />
        <SubmitButton busy={busy} busyText="Adding the endpoint…" testId="create-endpoint">
          Add endpoint
        </SubmitButton>
      </form>
    </section>
  );
}
