import { useEffect, useState } from 'preact/hooks';
import { api, type EmailPreferences } from '../api';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { SubmitButton } from '../components/SubmitButton';
import { useFormSubmit, type FieldErrors } from '../forms';
import { useApiData } from '../hooks';

const FIELDS = ['low_balance', 'product_news', 'low_balance_threshold'] as const;

/** Which optional emails arrive (receipts and security emails always do), and the balance that counts as low. */
export function EmailSection({ onSaved }: { onSaved: (message: string) => void }) {
  const loaded = useApiData((signal) => api.emailPreferences(signal));
  const [draft, setDraft] = useState<EmailPreferences | null>(null);
  const [threshold, setThreshold] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  useEffect(() => {
    if (loaded.data && !draft) {
      setDraft(loaded.data);
      setThreshold(String(loaded.data.low_balance_threshold));
    }
  }, [loaded.data, draft]);

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (!draft) return;
    void run(
      (): FieldErrors => {
        const value = Number(threshold);
        return Number.isInteger(value) && value >= 1 && value <= 1_000_000
          ? {}
          : { low_balance_threshold: 'Enter a whole number of credits from 1 to 1,000,000.' };
      },
      async () => {
        const saved = await api.updateEmailPreferences({
          low_balance: draft.low_balance,
          product_news: draft.product_news,
          low_balance_threshold: Number(threshold),
        });
        setDraft(saved);
        setThreshold(String(saved.low_balance_threshold));
        onSaved('Your email choices have been saved.');
      },
    );
  }

  return (
    <section id="email" class="card settings-section" aria-labelledby="email-title">
      <h2 id="email-title" tabIndex={-1}>
        Email
      </h2>
      <p class="muted">Receipts, failed payments, support replies and security emails always reach you.</p>
      <LoadError message={loaded.error} onRetry={loaded.retry} />
      {draft?.suppressed && (
        <p class="alert alert-error" role="alert" data-testid="email-suppressed">
          Email to your address bounced or was reported as spam, so Pixmint sends it nothing more. Contact support from
          the <a href="/help/contact">help center</a> once your mailbox works again.
        </p>
      )}
      {draft && (
        <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="email-title">
          <FormAlert message={errors.form} />
          <div class="field checkbox-field">
            <input
              id="low_balance"
              type="checkbox"
              checked={draft.low_balance}
              onChange={(event) => setDraft({ ...draft, low_balance: event.currentTarget.checked })}
            />
            <label for="low_balance">Tell me when my balance runs low</label>
          </div>
          <Field
            id="low_balance_threshold"
            label="Low balance means fewer than (credits)"
            type="number"
            min={1}
            max={1_000_000}
            step={1}
            inputMode="numeric"
            value={threshold}
            onValue={setThreshold}
            error={errors.fields.low_balance_threshold}
          />
          <div class="field checkbox-field">
            <input
              id="product_news"
              type="checkbox"
              checked={draft.product_news}
              onChange={(event) => setDraft({ ...draft, product_news: event.currentTarget.checked })}
            />
            <label for="product_news">Product news, now and then</label>
          </div>
          <SubmitButton busy={busy} busyText="Saving…" testId="save-email-preferences">
            Save email choices
          </SubmitButton>
        </form>
      )}
    </section>
  );
}
