import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, setTokenSource, type TokenPair, type User } from './api';

/**
 * The one place that holds the session. The access token lives only in memory; the refresh token
 * is in localStorage so that a reload or another tab stays signed in. Refresh tokens rotate and a
 * reused one revokes the whole family, so refreshes never overlap: one promise per tab, and a Web
 * Lock across tabs with the token re-read from storage inside it.
 */

export type SessionStatus = 'loading' | 'authenticated' | 'anonymous' | 'unreachable';

export interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** Why the user was signed out, shown once on the sign-in page. */
  notice: string | null;
}

type RefreshOutcome = 'ok' | 'signed_out' | 'unreachable';

const REFRESH_KEY = 'pixmint.refresh_token';
const LOCK_NAME = 'pixmint.refresh';
const RETRY_UNREACHABLE_MS = 30_000;
const EXPIRED_NOTICE = 'Your session has ended. Please sign in again.';

let state: SessionState = { status: 'loading', user: null, notice: null };
let accessToken: string | null = null;
let accessExpiresAt = 0;
let accessMarginMs = 0;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<RefreshOutcome> | null = null;
let returnTo: string | null = null;
const listeners = new Set<() => void>();

export function getSession(): SessionState {
  return state;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): SessionState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    setCurrent(state);
    return subscribe(() => setCurrent(state));
  }, []);
  return current;
}

function setState(next: Partial<SessionState>): void {
  state = { ...state, ...next };
  listeners.forEach((listener) => listener());
}

/** Remember where a signed-out user was headed; only same-origin paths are kept. */
export function setReturnTo(path: string): void {
  returnTo = isLocalPath(path) ? path : null;
}

export function takeReturnTo(fallback = '/dashboard'): string {
  const path = returnTo ?? fallback;
  returnTo = null;
  return path;
}

function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

export function takeNotice(): string | null {
  const notice = state.notice;
  if (notice) state = { ...state, notice: null };
  return notice;
}

/** With two-factor sign-in on, the first try (no code) is a 401 two_factor_required; send it again with the code. */
export async function signIn(email: string, password: string, code?: string): Promise<User> {
  const previous = readStoredRefresh();
  const pair = await api.login({ email, password, ...(code ? { code } : {}) });
  begin(pair);
  if (previous && previous !== pair.refresh_token) api.logout(previous, null).catch(() => undefined);
  return pair.user;
}

export async function signUp(
  email: string,
  password: string,
  displayName?: string,
  inviteCode?: string,
  referralCode?: string,
): Promise<User> {
  const previous = readStoredRefresh();
  const pair = await api.register({
    email,
    password,
    ...(displayName ? { display_name: displayName } : {}),
    ...(inviteCode ? { invite_code: inviteCode } : {}),
    ...(referralCode ? { referral_code: referralCode } : {}),
  });
  begin(pair);
  if (previous && previous !== pair.refresh_token) api.logout(previous, null).catch(() => undefined);
  return pair.user;
}

export async function signOut(): Promise<void> {
  const token = readStoredRefresh();
  try {
    if (token) await api.logout(token, accessToken);
  } catch {
    // The session ends here either way; an unrevoked token simply expires.
  } finally {
    writeStoredRefresh(null);
    end(null);
  }
}

/** Forget the local session without calling the API, e.g. after a password reset revoked it. */
export function forgetSession(): void {
  writeStoredRefresh(null);
  end(null);
}

export function updateUser(user: User): void {
  if (state.status === 'authenticated') setState({ user });
}

/** Record a fresh balance (e.g. from GET /v1/credits) so the header and dashboard show it. */
export function updateCredits(balance: number): void {
  if (state.status === 'authenticated' && state.user && state.user.credits !== balance) {
    setState({ user: { ...state.user, credits: balance } });
  }
}

/** Get a new token pair; concurrent callers in this tab share one request. */
export function refresh(): Promise<RefreshOutcome> {
  inFlight ??= withCrossTabLock(refreshNow).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function refreshNow(): Promise<RefreshOutcome> {
  // Re-read inside the lock: another tab may have rotated the token since this one last looked.
  const token = readStoredRefresh();
  if (!token) {
    end(state.status === 'authenticated' ? EXPIRED_NOTICE : null);
    return 'signed_out';
  }
  try {
    begin(await api.refresh(token));
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
      if (readStoredRefresh() === token) writeStoredRefresh(null);
      // A stored token refused while restoring (e.g. after a reload) is a session that ended too.
      end(state.status === 'authenticated' || state.status === 'loading' ? EXPIRED_NOTICE : null);
      return 'signed_out';
    }
    // Network trouble or a 5xx: the refresh token may still be good, so keep it for a retry.
    if (state.status !== 'authenticated') setState({ status: 'unreachable' });
    scheduleRefresh(RETRY_UNREACHABLE_MS);
    return 'unreachable';
  }
}

function withCrossTabLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && 'locks' in navigator && navigator.locks) {
    return navigator.locks.request(LOCK_NAME, task);
  }
  return task();
}

function begin(pair: TokenPair): void {
  accessToken = pair.access_token;
  const lifetimeMs = Math.max(0, pair.expires_in) * 1000;
  accessExpiresAt = Date.now() + lifetimeMs;
  accessMarginMs = Math.min(10_000, lifetimeMs / 10);
  writeStoredRefresh(pair.refresh_token);
  // Refresh a little before expiry: a fifth of the lifetime early, at most a minute.
  scheduleRefresh(Math.max(5_000, lifetimeMs - Math.min(60_000, lifetimeMs / 5)));
  setState({ status: 'authenticated', user: pair.user, notice: null });
}

function end(notice: string | null): void {
  accessToken = null;
  accessExpiresAt = 0;
  clearTimeout(refreshTimer);
  setState({ status: 'anonymous', user: null, notice });
}

function scheduleRefresh(delayMs: number): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    if (readStoredRefresh()) void refresh();
  }, delayMs);
}

/** While the session loads: whether a stored sign-in is being restored, so the page can lay out for it. */
export function restoringSession(): boolean {
  return state.status === 'loading' && readStoredRefresh() !== null;
}

function readStoredRefresh(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function writeStoredRefresh(token: string | null): void {
  try {
    if (token) localStorage.setItem(REFRESH_KEY, token);
    else localStorage.removeItem(REFRESH_KEY);
  } catch {
    // Storage disabled: the session lasts as long as this page.
  }
}

setTokenSource({
  async current() {
    if (inFlight) await inFlight;
    if (accessToken && Date.now() > accessExpiresAt - accessMarginMs) await refresh();
    return accessToken;
  },
  async renew(rejected) {
    if (accessToken && accessToken !== rejected) return accessToken;
    const outcome = await refresh();
    if (outcome === 'ok') return accessToken;
    if (outcome === 'signed_out') setState({ notice: EXPIRED_NOTICE });
    return null;
  },
});

/** Restore the session from a stored refresh token and follow sign-in and sign-out in other tabs. */
export function startSession(): void {
  addEventListener('storage', (event) => {
    if (event.key !== REFRESH_KEY && event.key !== null) return;
    const stored = readStoredRefresh();
    if (!stored && state.status === 'authenticated') end(null);
    else if (stored && state.status !== 'authenticated' && state.status !== 'loading') void refresh();
  });
  if (readStoredRefresh()) void refresh();
  else setState({ status: 'anonymous' });
}
