import { useState } from 'preact/hooks';
import { request } from '../api';
import type { Schemas } from '../api-types';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { formatCredits, formatDateTime } from '../format';
import { useApiData, usePageTitle } from '../hooks';
import './Referrals.css';

type ReferralsBody = Schemas['Referrals'];
type Item = ReferralsBody['items'][number];

const STATUS_TEXT: Record<Item['status'], string> = {
  pending: 'Pending',
  rewarded: 'Rewarded',
  not_eligible: 'Not eligible',
};

export function Referrals() {
  usePageTitle('Invite friends');
  return <RequireAuth>{() => <ReferralsContent />}</RequireAuth>;
}

function ReferralsContent() {
  const data = useApiData((signal) => request<ReferralsBody>('GET', '/referrals', { signal }));
  const [notice, setNotice] = useState('');
  const body = data.data;

  async function copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      setNotice(`${what} copied to the clipboard.`);
    } catch {
      setNotice(`Copying was blocked: select the ${what.toLowerCase()} and press Ctrl+C.`);
    }
  }

  async function share(link: string) {
    // navigator.share opens the phone's share sheet; where there is none, the link is copied instead.
    if (typeof navigator.share === 'function') {
      try {
        await navigator.share({ title: 'Pixmint', text: 'Make AI images with Pixmint: we both get free credits.', url: link });
        setNotice('');
        return;
      } catch (failure) {
        if (failure instanceof DOMException && failure.name === 'AbortError') return; // the sheet was closed
      }
    }
    await copy(link, 'Link');
  }

  return (
    <>
      <h1 class="page-title">Invite friends</h1>
      <LoadError message={data.error} onRetry={data.retry} />
      {data.loading && !body && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your referral link…
        </p>
      )}
      {body && (
        <>
          <p class="page-intro">
            Share your link. When a friend signs up with it and their first purchase has stood for {body.holding_days}{' '}
            {body.holding_days === 1 ? 'day' : 'days'} without a refund, you get {formatCredits(body.reward_credits)} credits and
            they get {formatCredits(body.referred_reward_credits)}. Up to {formatCredits(body.monthly_cap)} rewards a month.
          </p>
          <section class="card referral-card" aria-labelledby="referral-link-title">
            <h2 id="referral-link-title">Your link</h2>
            <div class="referral-row">
              <label for="referral-link">Link</label>
              <input id="referral-link" class="referral-value" type="text" readOnly value={body.link} onFocus={(e) => e.currentTarget.select()} />
              <button type="button" class="btn btn-primary" onClick={() => void share(body.link)} data-testid="share-link">
                Share
              </button>
              <button type="button" class="btn btn-secondary" onClick={() => void copy(body.link, 'Link')} data-testid="copy-link">
                Copy link
              </button>
            </div>
            <div class="referral-row">
              <label for="referral-code">Code</label>
              <input id="referral-code" class="referral-value referral-code" type="text" readOnly value={body.code} onFocus={(e) => e.currentTarget.select()} />
              <button type="button" class="btn btn-secondary" onClick={() => void copy(body.code, 'Code')} data-testid="copy-code">
                Copy code
              </button>
            </div>
            <p class="referral-notice" role="status" aria-live="polite" data-testid="referral-notice">
              {notice}
            </p>
          </section>
          <dl class="referral-stats" aria-label="Your referrals">
            <div class="card">
              <dt>Invited</dt>
              <dd data-testid="referrals-invited">{formatCredits(body.invited)}</dd>
            </div>
            <div class="card">
              <dt>Pending</dt>
              <dd data-testid="referrals-pending">{formatCredits(body.pending_credits)} credits</dd>
            </div>
            <div class="card">
              <dt>Earned</dt>
              <dd data-testid="referrals-earned">{formatCredits(body.earned_credits)} credits</dd>
            </div>
          </dl>
          <section class="card" aria-labelledby="referral-list-title">
            <h2 id="referral-list-title">Friends who joined</h2>
            {body.items.length === 0 ? (
              <p class="muted">Nobody has signed up with your link yet.</p>
            ) : (
              <ul class="referral-list">
                {body.items.map((item) => (
                  <li key={item.created_at + item.email}>
                    <span class="referral-email">{item.email || 'A deleted account'}</span>
                    <span class={`referral-status referral-status--${item.status}`}>{STATUS_TEXT[item.status]}</span>
                    <span class="muted">
                      {item.status === 'rewarded' ? `+${formatCredits(item.credits)} credits` : `joined ${formatDateTime(item.created_at)}`}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <p class="muted small-print">
              Not eligible: the first purchase was refunded or disputed, the month's limit was reached, or the accounts look
              like one person's.
            </p>
          </section>
        </>
      )}
    </>
  );
}
