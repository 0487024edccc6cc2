import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type User } from '../api';
import { forgetSession, updateUser } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { PasswordFeedback, usePasswordAdvice } from '../components/PasswordFeedback';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { Toast, useToast } from '../components/Toast';
import { setFlash } from '../flash';
import { describeError, requireFilled, useFormSubmit, type FormErrors } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import { EmailAddressSection } from '../settings/EmailAddressSection';
import { EmailSection } from '../settings/EmailSection';
import { SessionsSection } from '../settings/SessionsSection';
import { TwoFactorSection } from '../settings/TwoFactorSection';
import '../settings/settings.css';

const PASSWORD_FIELDS = ['current_password', 'new_password'] as const;
// The API names the new password `password` when it is too weak.
const PASSWORD_ALIASES = { password: 'new_password' };
const DELETE_FIELDS = ['password'] as const;
const NO_ERRORS: FormErrors = { fields: {}, form: null };

export function Settings() {
  usePageTitle('Settings');
  return <RequireAuth>{(user) => <SettingsContent user={user} />}</RequireAuth>;
}

function SettingsContent({ user }: { user: User }) {
  const toast = useToast();

  // /settings#two-factor (linked from the admin area) and #email (linked from every email) start at that section.
  useEffect(() => {
    if (location.hash !== '#two-factor' && location.hash !== '#email') return;
    const section = document.getElementById(location.hash.slice(1));
    section?.scrollIntoView();
    section?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }, []);

  return (
    <div class="settings">
      <h1 class="page-title">Settings</h1>
      <p class="muted">
        Signed in as <strong class="settings-email">{user.email}</strong>
      </p>
      <ProfileForm user={user} onSaved={toast.show} />
      <HandleForm onSaved={toast.show} />
      <EmailAddressSection user={user} onSent={toast.show} />
      <PasswordForm onSaved={toast.show} />
      <TwoFactorSection user={user} onNotice={toast.show} />
      <SessionsSection onNotice={toast.show} />
      <EmailSection onSaved={toast.show} />
      <section class="card settings-section" aria-labelledby="developer-title">
        <h2 id="developer-title">Developer API keys</h2>
        <p>
          Call Pixmint from your own scripts with an API key. <a href="/developers/keys">Manage your API keys</a> or read
          the <a href="/developers">developer docs</a>.
        </p>
      </section>
      <DeleteAccount />
      <Toast message={toast.message} onDismiss={toast.hide} />
    </div>
  );
}

interface MeFieldProps {
  /** The /v1/me field it edits, also the input's id. */
  field: 'display_name' | 'public_handle';
  title: string;
  label: string;
  hint: string;
  autoComplete: string;
  /** What is saved today, until the input is changed. */
  saved: string;
  /** Normalises what is typed before it is sent. */
  clean: (value: string) => string;
  savedMessage: (user: User) => string;
  busyText: string;
  submitLabel: string;
  testId: string;
  onSaved: (message: string) => void;
}

/** One required profile field in its own card, saved with PATCH /v1/me; a refusal names the field. */
function MeField(props: MeFieldProps) {
  const { field, title, label, hint, autoComplete, saved, clean, savedMessage, busyText, submitLabel, testId, onSaved } = props;
  const [typed, setTyped] = useState<string | null>(null);
  const value = typed ?? saved;
  const { busy, errors, run, formRef } = useFormSubmit([field]);
  const titleId = `${field}-title`;

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ [field]: value }, { [field]: label }),
      async () => {
        const updated = await api.updateMe({ [field]: clean(value) });
        updateUser(updated);
        setTyped(updated[field] ?? '');
        onSaved(savedMessage(updated));
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby={titleId}>
        <FormAlert message={errors.form} />
        <Field
          id={field}
          label={label}
          autoComplete={autoComplete}
          hint={hint}
          required
          value={value}
          onValue={setTyped}
          error={errors.fields[field]}
        />
        <SubmitButton busy={busy} busyText={busyText} testId={testId}>
          {submitLabel}
        </SubmitButton>
      </form>
    </section>
  );
}

function ProfileForm({ user, onSaved }: { user: User; onSaved: (message: string) => void }) {
  return (
    <MeField
      field="display_name"
      title="Profile"
      label="Display name"
      hint="This is how Pixmint greets you, and the author name on private links you share."
      autoComplete="nickname"
      saved={user.display_name ?? ''}
      clean={(value) => value.trim()}
      savedMessage={() => 'Your display name has been saved.'}
      busyText="Saving your name…"
      submitLabel="Save name"
      testId="save-name"
      onSaved={onSaved}
    />
  );
}

/** The name Community shows on published images; read from /v1/me, which is the one answer that carries it. */
function HandleForm({ onSaved }: { onSaved: (message: string) => void }) {
  const me = useApiData((signal) => api.me(signal));
  return (
    <MeField
      field="public_handle"
      title="Public handle"
      label="Public handle"
      hint="The name Community shows on the images you publish: 3 to 30 lower-case letters, digits, _ or -. Never your email."
      autoComplete="off"
      saved={me.data?.public_handle ?? ''}
      clean={(value) => value.trim().toLowerCase()}
      savedMessage={(user) => `Images you publish now show @${user.public_handle ?? ''}.`}
      busyText="Saving your handle…"
      submitLabel="Save handle"
      testId="save-handle"
      onSaved={onSaved}
    />
  );
}

function PasswordForm({ onSaved }: { onSaved: (message: string) => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { advice, track } = usePasswordAdvice();
  const { busy, errors, run, formRef } = useFormSubmit(PASSWORD_FIELDS, PASSWORD_ALIASES);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () =>
        requireFilled(
          { current_password: current, new_password: next },
          { current_password: 'Current password', new_password: 'New password' },
        ),
      async () => {
        await track(() => api.changePassword({ current_password: current, new_password: next }));
        setCurrent('');
        setNext('');
        onSaved('Your password has been changed. Other devices have been signed out.');
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="password-title">
        <FormAlert message={errors.form} />
        <Field
          id="current_password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onValue={setCurrent}
          error={errors.fields.current_password}
        />
        <Field
          id="new_password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters."
          required
          value={next}
          onValue={setNext}
          error={errors.fields.new_password}
          after={errors.fields.new_password && advice ? <PasswordFeedback id="new_password-feedback" advice={advice} /> : null}
          afterId="new_password-feedback"
        />
        <SubmitButton busy={busy} busyText="Changing your password…" testId="change-password">
          Change password
        </SubmitButton>
      </form>
    </section>
  );
}

function DeleteAccount() {
  const { route } = useLocation();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const passwordInput = useRef<HTMLInputElement>(null);

  function close() {
    setOpen(false);
    setPassword('');
    setErrors(NO_ERRORS);
  }

  async function confirm() {
    if (busy) return;
    if (!password) {
      setErrors({ fields: { password: 'Enter your password to confirm.' }, form: null });
      passwordInput.current?.focus();
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.deleteAccount(password);
    } catch (error) {
      const described = describeError(error, DELETE_FIELDS);
      setErrors(described);
      setBusy(false);
      if (described.fields.password) passwordInput.current?.focus();
      return;
    }
    setFlash('Your account has been deleted.');
    forgetSession();
    route('/');
  }

  return (
    <section class="card settings-section settings-danger" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>
        Deleting your account removes your images, your shared links and your remaining credits. Credits are not refunded.
        This cannot be undone.
      </p>
      <button type="button" class="btn btn-danger" onClick={() => setOpen(true)} data-testid="delete-account">
        Delete account…
      </button>
      <ConfirmDialog
        open={open}
        title="Delete your account?"
        confirmLabel="Delete my account"
        busy={busy}
        error={errors.form}
        onConfirm={confirm}
        onCancel={close}
        initialFocus={passwordInput}
        testId="delete-account-dialog"
      >
        <p>Your images, shared links and credits will be gone for good. Enter your password to confirm.</p>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <Field
            id="delete_password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            inputRef={passwordInput}
            value={password}
            onValue={setPassword}
            error={errors.fields.password}
          />
        </form>
      </ConfirmDialog>
    </section>
  );
}
