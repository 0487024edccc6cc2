import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { formatDateTime } from '../../format';
import { describeError, requireFilled, useFormSubmit, type FieldErrors } from '../../forms';
import { useApiData } from '../../hooks';
import '../support.css';

type Incident = Schemas['Incident'];
type Component = Incident['components'][number];
type Impact = Incident['impact'];
type State = Incident['status'];

const COMPONENTS: Record<Component, string> = { api: 'API and website', generation: 'Image generation', payments: 'Payments' };
const IMPACTS: Record<Impact, string> = { minor: 'Minor (degraded)', major: 'Major (outage)', maintenance: 'Maintenance' };
const STATES: Record<State, string> = {
  investigating: 'Investigating',
  identified: 'Cause identified',
  monitoring: 'Fix in place, watching',
  resolved: 'Resolved',
};

export function AdminStatus() {
  return <AdminShell title="Status page">{() => <StatusContent />}</AdminShell>;
}

function StatusContent() {
  const incidents = useApiData((signal) => request<Schemas['IncidentPage']>('GET', '/admin/status/incidents?limit=50', { signal }));
  const [notice, setNotice] = useState('');

  async function publishNow() {
    try {
      const document = await request<Schemas['StatusDocument']>('POST', '/admin/status/publish');
      setNotice(`Published: ${document.overall} at ${formatDateTime(document.generated_at)}.`);
    } catch (failure) {
      setNotice(describeError(failure, []).form ?? 'Not published.');
    }
  }

  return (
    <>
      <h1 class="page-title">Status page</h1>
      <p class="muted">
        The public <a href="/status">status page</a> is a static file the metrics schedule rewrites every five minutes;
        posting or updating an incident rewrites it at once.{' '}
        <button type="button" class="btn btn-secondary btn-small" onClick={() => void publishNow()}>
          Publish now
        </button>
      </p>
      <p role="status" data-testid="status-notice">
        {notice}
      </p>
      <NewIncident onPosted={(incident) => {
        setNotice(`Posted “${incident.title}”.`);
        incidents.retry();
      }} />
      <h2>Incidents</h2>
      <LoadError message={incidents.error} onRetry={incidents.retry} />
      {incidents.data && incidents.data.items.length === 0 && <p>No incident has been posted.</p>}
      {incidents.data?.items.map((incident) => (
        <IncidentCard key={incident.id} incident={incident} onUpdated={(message) => {
          setNotice(message);
          incidents.retry();
        }} />
      ))}
    </>
  );
}

function NewIncident({ onPosted }: { onPosted: (incident: Incident) => void }) {
  const [title, setTitle] = useState('');
  const [message, setMessage] = useState('');
  const [impact, setImpact] = useState<Impact>('minor');
  const [components, setComponents] = useState<Component[]>([]);
  const { busy, errors, run, formRef } = useFormSubmit(['title', 'message', 'components', 'impact']);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      (): FieldErrors => ({
        ...requireFilled({ title, message }, { title: 'Title', message: 'First update' }),
        ...(components.length ? {} : { components: 'Choose what is affected.' }),
      }),
      async () => {
        const incident = await request<Incident>('POST', '/admin/status/incidents', {
          body: { title: title.trim(), message: message.trim(), impact, components },
        });
        setTitle('');
        setMessage('');
        setComponents([]);
        onPosted(incident);
      },
    );
  }

  return (
    <section class="card" aria-labelledby="new-incident-title">
      <h2 id="new-incident-title">Post an incident</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="new-incident-title">
        <FormAlert message={errors.form} />
        <Field id="title" label="Title" value={title} onValue={setTitle} error={errors.fields.title} required />
        <fieldset class="field" aria-describedby={errors.fields.components ? 'components-error' : undefined}>
          <legend>Affected</legend>
          {(Object.keys(COMPONENTS) as Component[]).map((id) => (
            <div class="field checkbox-field" key={id}>
              <input
                id={`component-${id}`}
                type="checkbox"
                checked={components.includes(id)}
                onChange={(event) =>
                  setComponents(event.currentTarget.checked ? [...components, id] : components.filter((c) => c !== id))
                }
              />
              <label for={`component-${id}`}>{COMPONENTS[id]}</label>
            </div>
          ))}
          {errors.fields.components && (
            <p id="components-error" class="field-error">
              {errors.fields.components}
            </p>
          )}
        </fieldset>
        <div class="field">
          <label for="impact">Impact</label>
          <select id="impact" value={impact} onChange={(event) => setImpact(event.currentTarget.value as Impact)}>
            {(Object.keys(IMPACTS) as Impact[]).map((value) => (
              <option key={value} value={value}>
                {IMPACTS[value]}
              </option>
            ))}
          </select>
        </div>
        <Field id="message" label="First update" rows={3} value={message} onValue={setMessage} error={errors.fields.message} required />
        <SubmitButton busy={busy} busyText="Posting…" testId="post-incident">
          Post incident
        </SubmitButton>
      </form>
    </section>
  );
}

function IncidentCard({ incident, onUpdated }: { incident: Incident; onUpdated: (message: string) => void }) {
  const [state, setState] = useState<State>(incident.status === 'resolved' ? 'resolved' : 'monitoring');
  const [message, setMessage] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(['message', 'status']);
  const id = `incident-${incident.id}`;

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ message }, { message: 'Update' }),
      async () => {
        await request<Incident>('POST', `/admin/status/incidents/${encodeURIComponent(incident.id)}/updates`, {
          body: { status: state, message: message.trim() },
        });
        setMessage('');
        onUpdated(`Updated “${incident.title}”: ${STATES[state].toLowerCase()}.`);
      },
    );
  }

  return (
    <article class="card ticket" aria-labelledby={id} data-testid="admin-incident">
      <div class="ticket-head">
        <h3 id={id}>{incident.title}</h3>
        <span class="ticket-status">{STATES[incident.status]}</span>
      </div>
      <p class="muted">
        {IMPACTS[incident.impact]} · {incident.components.map((c) => COMPONENTS[c]).join(', ')} · posted{' '}
        {formatDateTime(incident.created_at)}
      </p>
      <ol class="ticket-messages">
        {incident.updates.map((update) => (
          <li key={update.id} class="ticket-message">
            <p class="ticket-message-meta">
              <strong>{STATES[update.status]}</strong> · {formatDateTime(update.created_at)}
            </p>
            <p class="ticket-message-body">{update.message}</p>
          </li>
        ))}
      </ol>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-label={`Update ${incident.title}`}>
        <FormAlert message={errors.form} />
        <div class="field">
          <label for={`${id}-state`}>New state</label>
          <select id={`${id}-state`} value={state} onChange={(event) => setState(event.currentTarget.value as State)}>
            {(Object.keys(STATES) as State[]).map((value) => (
              <option key={value} value={value}>
                {STATES[value]}
              </option>
            ))}
          </select>
        </div>
        <Field id={`${id}-message`} label="Update" rows={2} value={message} onValue={setMessage} error={errors.fields.message} />
        <SubmitButton busy={busy} busyText="Posting…">
          Post update
        </SubmitButton>
      </form>
    </article>
  );
}
