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
import { SessionsSection } from '../settings/SessionsSection';
import { TwoFactorSection } from '../settings/TwoFactorSection';
import '../settings/settings.css';

const NAME_FIELDS = ['display_name'] as const;
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

  // /settings#two-factor (linked from the admin area) starts at that section.
  useEffect(() => {
    if (location.hash !== '#two-factor') return;
    const section = document.getElementById('two-factor');
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
      <PasswordForm onSaved={toast.show} />
      <TwoFactorSection user={user} onNotice={toast.show} />
      <SessionsSection onNotice={toast.show} />
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

function ProfileForm({ user, onSaved }: { user: User; onSaved: (message: string) => void }) {
  const [name, setName] = useState(user.display_name ?? '');
  const { busy, errors, run, formRef } = useFormSubmit(NAME_FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ display_name: name }, { display_name: 'Display name' }),
      async () => {
        const updated = await api.updateMe({ display_name: name.trim() });
        updateUser(updated);
        setName(updated.display_name ?? '');
        onSaved('Your display name has been saved.');
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="profile-title">
        <FormAlert message={errors.form} />
        <Field
          id="display_name"
          label="Display name"
          autoComplete="nickname"
          hint="This is how Pixmint greets you, and the author name on images you share."
          required
          value={name}
          onValue={setName}
          error={errors.fields.display_name}
        />
        <SubmitButton busy={busy} busyText="Saving your name…" testId="save-name">
          Save name
        </SubmitButton>
      </form>
    </section>
  );
}

const HANDLE_FIELDS = ['public_handle'] as const;

/** The name Community shows on published images; read from /v1/me, which is the one answer that carries it. */
function HandleForm({ onSaved }: { onSaved: (message: string) => void }) {
  const me = useApiData((signal) => api.me(signal));
  const [handle, setHandle] = useState<string | null>(null);
  const shown = handle ?? me.data?.public_handle ?? '';
  const { busy, errors, run, formRef } = useFormSubmit(HANDLE_FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ public_handle: shown }, { public_handle: 'Public handle' }),
      async () => {
        const updated = await api.updateMe({ public_handle: shown.trim().toLowerCase() });
        updateUser(updated);
        setHandle(updated.public_handle ?? '');
        onSaved(`Images you publish now show @${updated.public_handle ?? ''}.`);
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="handle-title">
      <h2 id="handle-title">Public handle</h2>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="handle-title">
        <FormAlert message={errors.form} />
        <Field
          id="public_handle"
          label="Public handle"
          autoComplete="off"
          hint="The name Community shows on the images you publish: 3 to 30 lower-case letters, digits, _ or -. Never your email."
          required
          value={shown}
          onValue={setHandle}
          error={errors.fields.public_handle}
        />
        <SubmitButton busy={busy} busyText="Saving your handle…" testId="save-handle">
          Save handle
        </SubmitButton>
      </form>
    </section>
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
