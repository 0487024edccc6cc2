import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { formatDateTime, formatNumber } from '../../format';
import { describeError, useFormSubmit, type FieldErrors } from '../../forms';
import { useApiData } from '../../hooks';

type Entry = Schemas['WaitlistEntry'];
type Code = Schemas['InviteCode'];

export function AdminBeta() {
  return <AdminShell title="Beta">{() => <BetaContent />}</AdminShell>;
}

function BetaContent() {
  const [notice, setNotice] = useState('');
  return (
    <>
      <h1 class="page-title">Beta program</h1>
      <p role="status" data-testid="beta-notice">
        {notice}
      </p>
      <InviteOnly onNotice={setNotice} />
      <WaitlistSection onNotice={setNotice} />
      <CodesSection onNotice={setNotice} />
    </>
  );
}

function InviteOnly({ onNotice }: { onNotice: (message: string) => void }) {
  const settings = useApiData((signal) => request<Schemas['Settings']>('GET', '/admin/settings', { signal }));
  const [busy, setBusy] = useState(false);
  const on = settings.data?.invite_only === true;

  async function toggle() {
    setBusy(true);
    try {
      const saved = await request<Schemas['Settings']>('PATCH', '/admin/settings', { body: { invite_only: !on } });
      onNotice(saved.invite_only ? 'Sign-up is now invite-only.' : 'Sign-up is open to everyone again.');
      settings.retry();
    } catch (failure) {
      onNotice(describeError(failure, []).form ?? 'Not changed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="invite-only-title">
      <h2 id="invite-only-title">Sign-up</h2>
      <LoadError message={settings.error} onRetry={settings.retry} />
      {settings.data && (
        <>
          <p data-testid="invite-only-state">
            {on ? 'Invite-only: new accounts need an invite code; others can join the waitlist.' : 'Open: anyone can sign up.'}
          </p>
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void toggle()}>
            {on ? 'Open sign-up to everyone' : 'Make sign-up invite-only'}
          </button>
        </>
      )}
    </section>
  );
}

function WaitlistSection({ onNotice }: { onNotice: (message: string) => void }) {
  const [state, setState] = useState<Entry['status']>('pending');
  const list = useApiData((signal) => request<Schemas['WaitlistPage']>('GET', `/admin/waitlist?limit=100&status=${state}`, { signal }), [state]);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [batch, setBatch] = useState('10');
  const [busy, setBusy] = useState(false);

  async function approve(body: { ids: string[] } | { count: number }) {
    setBusy(true);
    try {
      const approved = await request<Schemas['WaitlistPage']>('POST', '/admin/waitlist/approve', { body });
      onNotice(`Invited ${formatNumber(approved.items.length)} ${approved.items.length === 1 ? 'address' : 'addresses'}; each gets a code by email.`);
      setChosen(new Set());
      list.retry();
    } catch (failure) {
      onNotice(describeError(failure, []).form ?? 'Nobody was invited.');
    } finally {
      setBusy(false);
    }
  }

  const items = list.data?.items ?? [];
  return (
    <section class="card" aria-labelledby="waitlist-title">
      <h2 id="waitlist-title">Waitlist</h2>
      <div class="field">
        <label for="waitlist-state">Show</label>
        <select id="waitlist-state" value={state} onChange={(event) => setState(event.currentTarget.value as Entry['status'])}>
          <option value="pending">Waiting</option>
          <option value="approved">Invited</option>
          <option value="joined">Signed up</option>
        </select>
      </div>
      <LoadError message={list.error} onRetry={list.retry} />
      {state === 'pending' && (
        <div class="field">
          <label for="batch-size">Invite the next</label>
          <div class="input-row">
            <input id="batch-size" type="number" min={1} max={500} value={batch} onInput={(event) => setBatch(event.currentTarget.value)} />
            <button type="button" class="btn btn-primary" disabled={busy || !items.length} onClick={() => void approve({ count: Number(batch) || 1 })}>
              Invite them
            </button>
            <button type="button" class="btn btn-secondary" disabled={busy || chosen.size === 0} onClick={() => void approve({ ids: [...chosen] })}>
              Invite the {formatNumber(chosen.size)} chosen
            </button>
          </div>
        </div>
      )}
      {list.data && items.length === 0 && <p data-testid="waitlist-empty">Nobody here.</p>}
      {items.length > 0 && (
        <ul class="waitlist">
          {items.map((entry) => (
            <li key={entry.id} data-testid="waitlist-entry">
              {state === 'pending' ? (
                <label class="checkbox-field">
                  <input
                    type="checkbox"
                    checked={chosen.has(entry.id)}
                    onChange={(event) => {
                      const next = new Set(chosen);
                      if (event.currentTarget.checked) next.add(entry.id);
                      else next.delete(entry.id);
                      setChosen(next);
                    }}
                  />{' '}
                  {entry.email} · since {formatDateTime(entry.created_at)}
                </label>
              ) : (
                <span>
                  {entry.email} · invited {entry.approved_at ? formatDateTime(entry.approved_at) : ''}
                  {entry.joined_at && <> · signed up {formatDateTime(entry.joined_at)}</>}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CodesSection({ onNotice }: { onNotice: (message: string) => void }) {
  const codes = useApiData((signal) => request<Schemas['InviteCodePage']>('GET', '/admin/invite-codes?limit=100', { signal }));
  const [uses, setUses] = useState('1');
  const [expires, setExpires] = useState('');
  const [note, setNote] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(['uses', 'expires_at', 'note']);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      (): FieldErrors => (Number.isInteger(Number(uses)) && Number(uses) >= 1 ? {} : { uses: 'Enter how many sign-ups it allows.' }),
      async () => {
        const code = await request<Code>('POST', '/admin/invite-codes', {
          body: {
            uses: Number(uses),
            ...(expires ? { expires_at: new Date(`${expires}T23:59:59`).toISOString() } : {}),
            ...(note.trim() ? { note: note.trim() } : {}),
          },
        });
        onNotice(`Made ${code.code}.`);
        setNote('');
        codes.retry();
      },
    );
  }

  async function revoke(code: Code) {
    try {
      await request<void>('DELETE', `/admin/invite-codes/${encodeURIComponent(code.id)}`);
      onNotice(`Withdrew ${code.code}.`);
      codes.retry();
    } catch (failure) {
      onNotice(describeError(failure, []).form ?? 'Not withdrawn.');
    }
  }

  return (
    <section class="card" aria-labelledby="codes-title">
      <h2 id="codes-title">Invite codes</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="codes-title">
        <FormAlert message={errors.form} />
        <Field id="uses" label="Sign-ups it allows" type="number" min={1} max={100000} value={uses} onValue={setUses} error={errors.fields.uses} />
        <Field id="expires_at" label="Works until (optional)" type="date" value={expires} onValue={setExpires} error={errors.fields.expires_at} />
        <Field id="note" label="Note (optional)" hint="Who or what it is for." value={note} onValue={setNote} error={errors.fields.note} />
        <SubmitButton busy={busy} busyText="Making it…" testId="make-code">
          Make a code
        </SubmitButton>
      </form>
      <LoadError message={codes.error} onRetry={codes.retry} />
      {codes.data && codes.data.items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="codes-title" tabIndex={0}>
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col" class="num">
                  Used
                </th>
                <th scope="col">For</th>
                <th scope="col">Until</th>
                <th scope="col">
                  <span class="visually-hidden">Withdraw</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {codes.data.items.map((code) => (
                <tr key={code.id} data-testid="invite-code-row">
                  <td>
                    <code>{code.code}</code>
                  </td>
                  <td class="num">
                    {formatNumber(code.used)} of {formatNumber(code.uses)}
                  </td>
                  <td>{code.email ?? code.note ?? ''}</td>
                  <td>{code.revoked_at ? 'withdrawn' : code.expires_at ? formatDateTime(code.expires_at) : 'no expiry'}</td>
                  <td>
                    {!code.revoked_at && (
                      <button type="button" class="btn btn-secondary btn-small" onClick={() => void revoke(code)}>
                        Withdraw <span class="visually-hidden">{code.code}</span>
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
  );
}
