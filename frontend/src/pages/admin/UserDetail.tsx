import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import type { User } from '../../api';
import { adminApi, formatUsd, type AdminUserDetail } from '../../admin';
import { updateUser } from '../../auth';
import { AdminShell } from '../../components/AdminShell';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Field } from '../../components/Field';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { Toast, useToast } from '../../components/Toast';
import { statusLabel } from '../../credits';
import { formatCredits, formatDateTime, formatDelta, formatMoney, formatNumber } from '../../format';
import { describeError, useFormSubmit, type FieldErrors } from '../../forms';
import { generationStatusLabel } from '../../generations';
import { useApiData } from '../../hooks';
import { UserStatus } from './Users';

const CREDIT_FIELDS = ['delta', 'reason'] as const;

export function AdminUserDetail() {
  const { params } = useRoute();
  const id = params.id ?? '';
  return <AdminShell title="User">{(me) => <UserDetailContent key={id} id={id} me={me} />}</AdminShell>;
}

type Change = { kind: 'suspend' | 'reinstate' | 'promote' | 'demote' };

function UserDetailContent({ id, me }: { id: string; me: User }) {
  const detail = useApiData((signal) => adminApi.user(id, signal), [id]);
  const toast = useToast();
  const [change, setChange] = useState<Change | null>(null);
  const [busy, setBusy] = useState(false);
  const [changeError, setChangeError] = useState<string | null>(null);

  if (detail.error) {
    return (
      <>
        <h1 class="page-title">User</h1>
        <LoadError message={detail.error} onRetry={detail.retry} />
        <p>
          <a href="/admin">Back to users</a>
        </p>
      </>
    );
  }
  if (!detail.data) {
    return (
      <p class="loading" role="status">
        <span class="spinner" aria-hidden="true" /> Loading the user…
      </p>
    );
  }
  const user = detail.data;
  const isMe = user.id === me.id;

  async function applyChange() {
    if (!change || busy) return;
    setBusy(true);
    setChangeError(null);
    const body =
      change.kind === 'suspend'
        ? { suspended: true }
        : change.kind === 'reinstate'
          ? { suspended: false }
          : { role: change.kind === 'promote' ? ('admin' as const) : ('user' as const) };
    try {
      const updated = await adminApi.updateUser(user.id, body);
      // The admin answer leaves out the account-only fields, which stay as the session has them.
      if (isMe) updateUser({ ...me, ...updated });
      setChange(null);
      toast.show(CHANGE_DONE[change.kind](user.email));
      detail.retry();
    } catch (failure) {
      setChangeError(describeError(failure, []).form);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <p class="back-link-row">
        <a href="/admin">← All users</a>
      </p>
      <h1 class="page-title" data-testid="admin-user-email">
        {user.email}
      </h1>
      <div class="admin-summary">
        <section class="card" aria-labelledby="user-balance-title">
          <h2 id="user-balance-title">Balance</h2>
          <p class="balance">
            <span data-testid="admin-user-balance" class="balance-number">
              {formatCredits(user.credits)}
            </span>{' '}
            <span class="balance-unit">credits</span>
          </p>
        </section>
        <section class="card" aria-labelledby="user-usage-title">
          <h2 id="user-usage-title">Usage</h2>
          <dl class="facts">
            <dt>Generations</dt>
            <dd>{formatNumber(user.usage.generations)}</dd>
            <dt>Credits spent</dt>
            <dd>{formatCredits(user.usage.credits_spent)}</dd>
            <dt>Credits bought</dt>
            <dd>{formatCredits(user.usage.credits_bought)}</dd>
            <dt>Provider cost (list estimate)</dt>
            <dd data-testid="admin-user-estimated-cost">{formatUsd(user.usage.estimated_cost_usd, 4)}</dd>
            <dt>Provider cost (billed)</dt>
            <dd data-testid="admin-user-actual-cost">{formatUsd(user.usage.actual_cost_usd, 4)}</dd>
            <dt>Margin (billed)</dt>
            <dd>{formatUsd(user.usage.actual_margin_usd)}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="user-account-title">
          <h2 id="user-account-title">Account</h2>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{user.display_name || '—'}</dd>
            <dt>Role</dt>
            <dd data-testid="admin-user-role">{user.role === 'admin' ? 'Admin' : 'User'}</dd>
            <dt>Status</dt>
            <dd>
              <UserStatus user={user} />
            </dd>
            <dt>Joined</dt>
            <dd>
              <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
            </dd>
          </dl>
          <div class="card-actions">
            <button
              type="button"
              class={user.suspended ? 'btn btn-secondary btn-small' : 'btn btn-danger-outline btn-small'}
              onClick={() => {
                setChangeError(null);
                setChange({ kind: user.suspended ? 'reinstate' : 'suspend' });
              }}
              data-testid="toggle-suspended"
            >
              {user.suspended ? 'Reinstate' : 'Suspend'}
            </button>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={() => {
                setChangeError(null);
                setChange({ kind: user.role === 'admin' ? 'demote' : 'promote' });
              }}
              data-testid="toggle-role"
            >
              {user.role === 'admin' ? 'Make a normal user' : 'Make an admin'}
            </button>
          </div>
          {isMe && <p class="muted small-print">This is your own account: you can't suspend or demote yourself.</p>}
        </section>
      </div>

      <CreditsForm user={user} onDone={(message) => {
        toast.show(message);
        detail.retry();
      }} />

      <section class="section" aria-labelledby="user-payments-title">
        <h2 id="user-payments-title">Payments</h2>
        {user.payments.length === 0 ? (
          <p class="muted">No payments.</p>
        ) : (
          <div class="table-wrap" role="region" aria-labelledby="user-payments-caption" tabIndex={0}>
            <table class="data-table">
              <caption id="user-payments-caption">Latest payments</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col" class="num">
                    Credits
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {user.payments.map((payment) => (
                  <tr key={payment.id}>
                    <th scope="row">
                      <time dateTime={payment.created_at}>{formatDateTime(payment.created_at)}</time>
                    </th>
                    <td class="num" data-label="Amount">{formatMoney(payment.amount_cents, payment.currency)}</td>
                    <td class="num" data-label="Credits">{formatCredits(payment.credits)}</td>
                    <td data-label="Status">{statusLabel(payment.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="section" aria-labelledby="user-generations-title">
        <h2 id="user-generations-title">Generations</h2>
        {user.generations.length === 0 ? (
          <p class="muted">No generations.</p>
        ) : (
          <div class="table-wrap" role="region" aria-labelledby="user-generations-caption" tabIndex={0}>
            <table class="data-table">
              <caption id="user-generations-caption">Latest generations</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Prompt</th>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {user.generations.map((generation) => (
                  <tr key={generation.id}>
                    <th scope="row">
                      <time dateTime={generation.created_at}>{formatDateTime(generation.created_at)}</time>
                    </th>
                    <td class="cell-wrap" data-label="Prompt">{generation.prompt}</td>
                    <td data-label="Model">{generation.model}</td>
                    <td data-label="Status">{generationStatusLabel(generation.status)}</td>
                    <td class="num" data-label="Cost">
                      {formatCredits(generation.cost_credits)}
                      {generation.refunded_credits > 0 ? ` (${formatCredits(generation.refunded_credits)} refunded)` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="section" aria-labelledby="user-keys-title">
        <h2 id="user-keys-title">API keys</h2>
        {user.api_keys.length === 0 ? (
          <p class="muted">No API keys.</p>
        ) : (
          <div class="table-wrap" role="region" aria-labelledby="user-keys-caption" tabIndex={0}>
            <table class="data-table">
              <caption id="user-keys-caption">The user's API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Last used</th>
                  <th scope="col" class="num">
                    Used this month
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {user.api_keys.map((key) => (
                  <tr key={key.id}>
                    <th scope="row">{key.name}</th>
                    <td data-label="Starts with">
                      <code>{key.prefix}…</code>
                    </td>
                    <td data-label="Last used">{key.last_used_at ? formatDateTime(key.last_used_at) : 'Never'}</td>
                    <td class="num" data-label="Used this month">
                      {formatCredits(key.used_this_month)}
                      {key.monthly_cap_credits !== null ? ` / ${formatCredits(key.monthly_cap_credits)}` : ''}
                    </td>
                    <td data-label="Status">{key.revoked_at ? 'Revoked' : 'Active'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ConfirmDialog
        open={change !== null}
        title={change ? CHANGE_TITLE[change.kind](user.email) : ''}
        confirmLabel={change ? CHANGE_LABEL[change.kind] : ''}
        busy={busy}
        error={changeError}
        onConfirm={applyChange}
        onCancel={() => setChange(null)}
        testId="user-change-dialog"
      >
        <p>{change ? CHANGE_BODY[change.kind] : ''}</p>
      </ConfirmDialog>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

const CHANGE_TITLE: Record<Change['kind'], (email: string) => string> = {
  suspend: (email) => `Suspend ${email}?`,
  reinstate: (email) => `Reinstate ${email}?`,
  promote: (email) => `Make ${email} an admin?`,
  demote: (email) => `Make ${email} a normal user?`,
};
const CHANGE_LABEL: Record<Change['kind'], string> = {
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  promote: 'Make admin',
  demote: 'Remove admin role',
};
const CHANGE_BODY: Record<Change['kind'], string> = {
  suspend: 'They are signed out and can no longer sign in, generate images or use their API keys until reinstated.',
  reinstate: 'They can sign in and use Pixmint again.',
  promote: 'Admins can see every user, change prices and grant credits.',
  demote: 'They lose access to the admin area.',
};
const CHANGE_DONE: Record<Change['kind'], (email: string) => string> = {
  suspend: (email) => `${email} is suspended.`,
  reinstate: (email) => `${email} is reinstated.`,
  promote: (email) => `${email} is now an admin.`,
  demote: (email) => `${email} is now a normal user.`,
};

function CreditsForm({ user, onDone }: { user: AdminUserDetail; onDone: (message: string) => void }) {
  const [direction, setDirection] = useState<'grant' | 'debit'>('grant');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(CREDIT_FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => {
        const invalid: FieldErrors = {};
        if (!/^\d+$/.test(amount.trim()) || Number(amount) < 1) invalid.delta = 'Enter a whole number of credits, 1 or more.';
        if (reason.trim().length < 3) invalid.reason = 'Give a reason of at least 3 characters.';
        else if (reason.trim().length > 500) invalid.reason = 'The reason is at most 500 characters.';
        return invalid;
      },
      async () => {
        const credits = Number(amount.trim());
        const entry = await adminApi.adjustCredits(user.id, {
          delta: direction === 'grant' ? credits : -credits,
          reason: reason.trim(),
        });
        setAmount('');
        setReason('');
        onDone(`${formatDelta(entry.delta)} credits recorded. New balance: ${formatCredits(entry.balance_after)}.`);
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="credits-form-title">
      <h2 id="credits-form-title">Grant or debit credits</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="credits-form-title" class="narrow-form">
        <FormAlert message={errors.form} />
        <fieldset class="choice-group">
          <legend>Change</legend>
          <label>
            <input type="radio" name="direction" value="grant" checked={direction === 'grant'} onChange={() => setDirection('grant')} />{' '}
            Grant (add credits)
          </label>
          <label>
            <input type="radio" name="direction" value="debit" checked={direction === 'debit'} onChange={() => setDirection('debit')} />{' '}
            Debit (take credits away)
          </label>
        </fieldset>
        <Field
          id="delta"
          label="Credits"
          type="number"
          min={1}
          required
          value={amount}
          onValue={setAmount}
          error={errors.fields.delta}
          hint="A debit can't take the balance below zero."
        />
        <div class="field">
          <label for="reason">Reason</label>
          <p id="reason-hint" class="field-hint">
            Required, 3 to 500 characters. Kept in the audit log.
          </p>
          <textarea
            id="reason"
            name="reason"
            rows={2}
            required
            aria-required="true"
            maxLength={500}
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
            aria-invalid={errors.fields.reason ? 'true' : undefined}
            aria-describedby={errors.fields.reason ? 'reason-hint reason-error' : 'reason-hint'}
          />
          {errors.fields.reason && (
            <p id="reason-error" class="field-error">
              {errors.fields.reason}
            </p>
          )}
        </div>
        <SubmitButton busy={busy} busyText="Recording the change…" testId="adjust-credits">
          {direction === 'grant' ? 'Grant credits' : 'Debit credits'}
        </SubmitButton>
      </form>
    </section>
  );
}
