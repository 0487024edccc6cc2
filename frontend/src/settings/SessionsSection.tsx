import { useRef, useState } from 'preact/hooks';
import { ApiError, api, type SignInSession } from '../api';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { formatDateTime } from '../format';
import { describeError } from '../forms';
import { useApiData } from '../hooks';
import './settings.css';

/** Every browser or app signed in to the account (a refresh-token family each), with sign-out for the others. */
export function SessionsSection({ onNotice }: { onNotice: (message: string) => void }) {
  const sessions = useApiData((signal) => api.sessions(signal));
  const [ended, setEnded] = useState<ReadonlySet<string>>(new Set());
  const [ending, setEnding] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const items = (sessions.data?.items ?? []).filter((session) => !ended.has(session.id));

  async function end(session: SignInSession) {
    if (ending) return;
    setEnding(session.id);
    setError(null);
    try {
      await api.endSession(session.id);
    } catch (failure) {
      // A 404: it had ended already (expired, or signed out elsewhere), which is what was asked for.
      if (!(failure instanceof ApiError && failure.status === 404)) {
        setError(describeError(failure, []).form);
        setEnding(null);
        return;
      }
    }
    setEnded((previous) => new Set(previous).add(session.id));
    setEnding(null);
    onNotice(`Signed out of ${deviceName(session.user_agent)}.`);
    heading.current?.focus();
  }

  return (
    <section class="card settings-section" aria-labelledby="sessions-title">
      <h2 id="sessions-title" ref={heading} tabIndex={-1}>
        Sessions
      </h2>
      <p class="muted">
        Where your account is signed in. Sign out of any you don't recognise, then change your password.
      </p>
      <LoadError message={sessions.error} onRetry={sessions.retry} />
      <FormAlert message={error} />
      {sessions.loading && !sessions.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your sessions…
        </p>
      )}
      {items.length > 0 && (
        <ul class="session-list" aria-labelledby="sessions-title">
          {items.map((session) => (
            <SessionItem key={session.id} session={session} ending={ending === session.id} onEnd={() => end(session)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SessionItem({ session, ending, onEnd }: { session: SignInSession; ending: boolean; onEnd: () => void }) {
  const device = deviceName(session.user_agent);
  return (
    <li class="session-item" data-testid="session-row" data-current={session.current ? 'true' : 'false'}>
      <div class="session-main">
        <p class="session-device">
          <strong>{device}</strong>
          {session.current && <span class="session-current">This device</span>}
        </p>
        <dl class="session-details">
          <div>
            <dt>IP address</dt>
            <dd>{session.ip ?? 'Unknown'}</dd>
          </div>
          <div>
            <dt>Signed in</dt>
            <dd>
              <time dateTime={session.created_at}>{formatDateTime(session.created_at)}</time>
            </dd>
          </div>
          <div>
            <dt>Last active</dt>
            <dd>
              <time dateTime={session.last_used_at}>{formatDateTime(session.last_used_at)}</time>
            </dd>
          </div>
        </dl>
        {session.user_agent && <p class="session-agent">{session.user_agent}</p>}
      </div>
      {session.current ? (
        <p class="session-note">To sign out here, use Sign out at the top of the page.</p>
      ) : (
        <button
          type="button"
          class="btn btn-secondary btn-small"
          onClick={onEnd}
          aria-disabled={ending ? 'true' : undefined}
          aria-busy={ending ? 'true' : undefined}
          data-testid="end-session"
        >
          {ending && <span class="spinner" aria-hidden="true" />}
          Sign out
          <span class="visually-hidden">
            {' '}
            {device}
            {session.ip ? `, ${session.ip}` : ''}
          </span>
        </button>
      )}
    </li>
  );
}

/** A short name for a user agent: "Firefox on Windows", or its first product ("curl") for scripts. */
export function deviceName(agent: string | null): string {
  if (!agent) return 'Unknown device';
  const browser = /Edg(A|iOS)?\//.test(agent)
    ? 'Edge'
    : /OPR\/|Opera/.test(agent)
      ? 'Opera'
      : /Firefox\/|FxiOS\//.test(agent)
        ? 'Firefox'
        : /Chrome\/|CriOS\//.test(agent)
          ? 'Chrome'
          : /Version\/[\d.]+.*Safari\//.test(agent)
            ? 'Safari'
            : null;
  const system = /iPhone|iPad|iPod/.test(agent)
    ? 'iOS'
    : /Android/.test(agent)
      ? 'Android'
      : /Windows/.test(agent)
        ? 'Windows'
        : /CrOS/.test(agent)
          ? 'ChromeOS'
          : /Macintosh|Mac OS X/.test(agent)
            ? 'macOS'
            : /Linux/.test(agent)
              ? 'Linux'
              : null;
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system)!;
  return agent.split(/[\s/;(]/, 1)[0]?.slice(0, 40) || 'Unknown device';
}
