import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';
import { takeLinkToken } from '../linkToken';
import './auth.css';

type State = { kind: 'ready' } | { kind: 'busy' } | { kind: 'done'; category: string } | { kind: 'invalid' } | { kind: 'failed'; message: string };

const WHAT: Record<string, string> = {
  low_balance: 'low-balance emails',
  product_news: 'product news',
  all: 'optional emails',
};

/** Where an emailed unsubscribe link lands. It asks for a click: mail scanners open links, and must not unsubscribe. */
export function Unsubscribe() {
  usePageTitle('Unsubscribe');
  const [token] = useState(takeLinkToken);
  const [state, setState] = useState<State>({ kind: 'ready' });
  const heading = useRef<HTMLHeadingElement>(null);

  async function confirm() {
    setState({ kind: 'busy' });
    try {
      const { category } = await api.unsubscribe(token);
      setState({ kind: 'done', category });
    } catch (error) {
      setState(
        error instanceof ApiError && error.status === 400
          ? { kind: 'invalid' }
          : { kind: 'failed', message: describeError(error, []).form ?? 'Something went wrong. Please try again.' },
      );
    }
    heading.current?.focus();
  }

  if (!token || state.kind === 'invalid') {
    return (
      <section class="auth-card" aria-labelledby="unsubscribe-title">
        <h1 id="unsubscribe-title" ref={heading} tabIndex={-1}>
          This link can't be used
        </h1>
        <p class="alert alert-error" role="alert" data-testid="unsubscribe-invalid">
          This unsubscribe link is incomplete or not valid. Sign in and choose what we email you in{' '}
          <a href="/settings#email">Settings</a>.
        </p>
      </section>
    );
  }
  if (state.kind === 'done') {
    return (
      <section class="auth-card" aria-labelledby="unsubscribe-title" data-testid="unsubscribe-done">
        <h1 id="unsubscribe-title" ref={heading} tabIndex={-1}>
          You're unsubscribed
        </h1>
        <p class="alert alert-success" role="status">
          Pixmint sends you no more {WHAT[state.category] ?? 'optional emails'}. Receipts and security emails still
          reach you.
        </p>
        <p>
          Changed your mind? Turn them back on in <a href="/settings#email">Settings</a>.
        </p>
      </section>
    );
  }
  return (
    <section class="auth-card" aria-labelledby="unsubscribe-title">
      <h1 id="unsubscribe-title" ref={heading} tabIndex={-1}>
        Unsubscribe
      </h1>
      <p>Stop the email this link came from? Receipts and security emails always reach you.</p>
      {state.kind === 'failed' && (
        <p class="alert alert-error" role="alert">
          {state.message}
        </p>
      )}
      <p class="cta-row">
        <button type="button" class="btn btn-primary" onClick={() => void confirm()} disabled={state.kind === 'busy'}>
          {state.kind === 'busy' ? 'Unsubscribing…' : 'Unsubscribe'}
        </button>
      </p>
    </section>
  );
}
