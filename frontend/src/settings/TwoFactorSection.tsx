import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type TwoFactorSetup, type User } from '../api';
import { getSession, updateUser } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { copyText } from '../developer';
import { formatDateTime } from '../format';
import { describeError, useFormSubmit, type FieldErrors } from '../forms';
import { saveBlob } from '../generations';
import { QrCode } from './QrCode';
import './settings.css';

// The API names the code `code`; each form here has its own field for it.
const CONFIRM_FIELDS = ['setup_code'] as const;
const CONFIRM_ALIASES = { code: 'setup_code' };
const DISABLE_FIELDS = ['disable_code'] as const;
const DISABLE_ALIASES = { code: 'disable_code' };

type Notify = (message: string) => void;

function setTwoFactor(on: boolean): void {
  const user = getSession().user;
  if (user) updateUser({ ...user, two_factor: on });
}

/** Two-factor sign-in: set up with an authenticator app (QR code or key), recovery codes shown once, turned off with a code. */
export function TwoFactorSection({ user, onNotice }: { user: User; onNotice: Notify }) {
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  async function start() {
    if (starting) return;
    setStarting(true);
    setStartError(null);
    try {
      setSetup(await api.startTwoFactor());
    } catch (error) {
      // Turned on meanwhile, e.g. in another tab: show it as it is.
      if (error instanceof ApiError && error.status === 409) api.me().then(updateUser, () => undefined);
      setStartError(describeError(error, []).form);
    } finally {
      setStarting(false);
    }
  }

  function cancel() {
    setSetup(null);
    requestAnimationFrame(() => startButton.current?.focus());
  }

  function enabled(codes: string[]) {
    setSetup(null);
    setRecoveryCodes(codes);
    setTwoFactor(true);
  }

  function savedCodes() {
    setRecoveryCodes(null);
    onNotice('Two-factor sign-in is on.');
    requestAnimationFrame(() => heading.current?.focus());
  }

  function disabled() {
    setTwoFactor(false);
    onNotice('Two-factor sign-in is off. Your recovery codes no longer work.');
    requestAnimationFrame(() => startButton.current?.focus());
  }

  let body;
  if (recoveryCodes) body = <RecoveryCodes codes={recoveryCodes} email={user.email} onDone={savedCodes} onNotice={onNotice} />;
  else if (user.two_factor) body = <DisableTwoFactor onDisabled={disabled} />;
  else if (setup) body = <SetupSteps setup={setup} onEnabled={enabled} onCancel={cancel} onNotice={onNotice} />;
  else {
    body = (
      <>
        <p data-testid="two-factor-status">
          Two-factor sign-in is <strong>off</strong>. Turn it on so that signing in also needs a code from an
          authenticator app on your phone: a stolen password alone is then not enough.
        </p>
        <FormAlert message={startError} />
        <button
          ref={startButton}
          type="button"
          class="btn btn-primary"
          onClick={start}
          aria-disabled={starting ? 'true' : undefined}
          aria-busy={starting ? 'true' : undefined}
          data-testid="start-two-factor"
        >
          {starting && <span class="spinner" aria-hidden="true" />}
          Set up two-factor sign-in
        </button>
      </>
    );
  }

  return (
    <section id="two-factor" class="card settings-section" aria-labelledby="two-factor-title">
      <h2 id="two-factor-title" ref={heading} tabIndex={-1}>
        Two-factor sign-in
      </h2>
      {body}
    </section>
  );
}

function SetupSteps({
  setup,
  onEnabled,
  onCancel,
  onNotice,
}: {
  setup: TwoFactorSetup;
  onEnabled: (codes: string[]) => void;
  onCancel: () => void;
  onNotice: Notify;
}) {
  const [code, setCode] = useState('');
  const [copyHelp, setCopyHelp] = useState<string | null>(null);
  const secretInput = useRef<HTMLInputElement>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const { busy, errors, run, formRef } = useFormSubmit(CONFIRM_FIELDS, CONFIRM_ALIASES);

  useEffect(() => title.current?.focus(), [setup.secret]);

  async function copySecret() {
    setCopyHelp(null);
    if (await copyText(setup.secret)) {
      onNotice('Key copied.');
    } else {
      secretInput.current?.focus();
      secretInput.current?.select();
      setCopyHelp('Copying was blocked. The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    const digits = code.replace(/\s+/g, '');
    void run(
      (): FieldErrors => (/^\d{6}$/.test(digits) ? {} : { setup_code: 'Enter the 6-digit code your app shows for Pixmint.' }),
      async () => onEnabled((await api.confirmTwoFactor(digits)).recovery_codes),
    );
  }

  return (
    <div class="two-factor-setup" data-testid="two-factor-setup">
      <h3 id="two-factor-setup-title" ref={title} tabIndex={-1}>
        Set up your authenticator app
      </h3>
      <ol class="setup-steps">
        <li>
          <p>
            In an authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password or Aegis), add an
            account by scanning this QR code:
          </p>
          <QrCode text={setup.otpauth_url} label="QR code that adds Pixmint to an authenticator app" testId="two-factor-qr" />
          <div class="field">
            <label for="totp-secret">Can't scan it? Type this key into the app (time-based)</label>
            <div class="input-row">
              <input
                ref={secretInput}
                id="totp-secret"
                type="text"
                readOnly
                value={groupSecret(setup.secret)}
                class="totp-secret"
                spellcheck={false}
                autoComplete="off"
                aria-describedby={copyHelp ? 'totp-secret-copy-help' : undefined}
                onFocus={(event) => event.currentTarget.select()}
                data-testid="totp-secret"
              />
              <button type="button" class="btn btn-secondary" onClick={copySecret}>
                Copy key
              </button>
            </div>
            {copyHelp && (
              <p id="totp-secret-copy-help" class="field-hint field-hint-after" role="status">
                {copyHelp}
              </p>
            )}
          </div>
          <p>
            On the phone with the app? <a href={setup.otpauth_url}>Open the set-up link in your authenticator app</a>.
          </p>
        </li>
        <li>
          <p>Enter the 6-digit code the app now shows for Pixmint.</p>
          <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="two-factor-setup-title">
            <FormAlert message={errors.form} />
            <Field
              id="setup_code"
              label="6-digit code from the app"
              autoComplete="one-time-code"
              inputMode="numeric"
              required
              value={code}
              onValue={setCode}
              error={errors.fields.setup_code}
            />
            <div class="form-buttons">
              <SubmitButton busy={busy} busyText="Checking the code…" testId="confirm-two-factor">
                Turn on two-factor sign-in
              </SubmitButton>
              <button type="button" class="btn btn-secondary" onClick={onCancel}>
                Cancel set-up
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** Shown once, right after set-up: Pixmint keeps only their hashes. */
function RecoveryCodes({ codes, email, onDone, onNotice }: { codes: string[]; email: string; onDone: () => void; onNotice: Notify }) {
  const title = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [copyHelp, setCopyHelp] = useState<string | null>(null);
  const text = codes.join('\n') + '\n';

  useEffect(() => title.current?.focus(), []);

  async function copy() {
    setCopyHelp(null);
    if (await copyText(text)) {
      onNotice('Recovery codes copied.');
      return;
    }
    const selection = getSelection();
    if (list.current && selection) {
      const range = document.createRange();
      range.selectNodeContents(list.current);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    setCopyHelp('Copying was blocked. The codes are selected: press Ctrl+C (⌘C on a Mac) to copy them.');
  }

  function download() {
    const header = `Pixmint recovery codes for ${email}\nMade ${formatDateTime(new Date().toISOString())}. Each code signs you in once.\n\n`;
    saveBlob(new Blob([header + text], { type: 'text/plain;charset=utf-8' }), 'pixmint-recovery-codes.txt');
  }

  return (
    <div class="recovery" data-testid="recovery-codes">
      <h3 id="recovery-title" ref={title} tabIndex={-1}>
        Save your recovery codes
      </h3>
      <p class="alert alert-success">Two-factor sign-in is on. From now on, signing in asks for a code from your app.</p>
      <p class="alert alert-info">
        <strong>These codes are shown only this once.</strong> If you lose your phone, each code signs you in once instead
        of the app's code. Keep them somewhere safe, such as a password manager.
      </p>
      <ol ref={list} class="recovery-codes" aria-labelledby="recovery-title">
        {codes.map((code) => (
          <li key={code}>
            <code data-testid="recovery-code">{code}</code>
          </li>
        ))}
      </ol>
      <p class="card-actions">
        <button type="button" class="btn btn-secondary" onClick={copy}>
          Copy codes
        </button>
        <button type="button" class="btn btn-secondary" onClick={download}>
          Download codes (.txt)
        </button>
      </p>
      {copyHelp && (
        <p class="field-hint" role="status">
          {copyHelp}
        </p>
      )}
      <button type="button" class="btn btn-primary" onClick={onDone} data-testid="recovery-codes-saved">
        I've saved my recovery codes
      </button>
    </div>
  );
}

function DisableTwoFactor({ onDisabled }: { onDisabled: () => void }) {
  const [code, setCode] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(DISABLE_FIELDS, DISABLE_ALIASES);

  function handleSubmit(event: Event) {
    event.preventDefault();
    const text = code.trim();
    void run(
      (): FieldErrors => (text ? {} : { disable_code: 'Enter the code from your app, or a recovery code.' }),
      async () => {
        await api.disableTwoFactor(text);
        setCode('');
        onDisabled();
      },
    );
  }

  return (
    <>
      <p data-testid="two-factor-status">
        Two-factor sign-in is <strong>on</strong>. Signing in asks for a code from your authenticator app, or one of your
        recovery codes.
      </p>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="disable-two-factor-title">
        <h3 id="disable-two-factor-title">Turn off two-factor sign-in</h3>
        <FormAlert message={errors.form} />
        <Field
          id="disable_code"
          label="Code from your app, or a recovery code"
          autoComplete="one-time-code"
          required
          value={code}
          onValue={setCode}
          error={errors.fields.disable_code}
        />
        <SubmitButton busy={busy} busyText="Turning off two-factor sign-in…" testId="disable-two-factor">
          Turn off two-factor sign-in
        </SubmitButton>
      </form>
    </>
  );
}

/** Base32 in groups of four, as authenticator apps show it; apps ignore the spaces. */
function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
