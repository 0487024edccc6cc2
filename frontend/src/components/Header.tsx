import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signOut, useSession } from '../auth';
import { formatCredits } from '../format';
import { Logo } from './Logo';

export function Header() {
  const session = useSession();
  const { path, route } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const signedIn = session.status === 'authenticated';

  async function handleSignOut() {
    if (signingOut) return;
    setSigningOut(true);
    try {
      await signOut();
      route('/');
    } finally {
      setSigningOut(false);
    }
  }

  const current = (href: string) => (path === href ? 'page' : undefined);

  return (
    <header class="site-header">
      <div class="container header-inner">
        <a href="/" class="brand">
          <Logo />
          <span>Pixmint</span>
        </a>
        <nav aria-label="Main">
          <ul class="nav-list">
            {signedIn ? (
              <>
                <li>
                  <a href="/dashboard" aria-current={current('/dashboard')}>
                    Dashboard
                  </a>
                </li>
                <li>
                  <a href="/generate" aria-current={current('/generate')}>
                    Generate
                  </a>
                </li>
                <li>
                  <a href="/gallery" aria-current={current('/gallery')}>
                    Gallery
                  </a>
                </li>
                <li>
                  <a href="/community" aria-current={current('/community')}>
                    Community
                  </a>
                </li>
                <li>
                  <a href="/credits" aria-current={current('/credits')}>
                    Buy credits
                  </a>
                </li>
                <li>
                  <a href="/credits/transactions" aria-current={current('/credits/transactions')}>
                    Transactions
                  </a>
                </li>
                <li>
                  <a href="/settings" aria-current={current('/settings')}>
                    Settings
                  </a>
                </li>
                <li>
                  <a href="/developers/keys" aria-current={current('/developers/keys')}>
                    API keys
                  </a>
                </li>
                {session.user?.role === 'admin' && (
                  <li>
                    <a href="/admin" aria-current={path === '/admin' || path.startsWith('/admin/') ? 'page' : undefined}>
                      Admin
                    </a>
                  </li>
                )}
                {session.user && (
                  <li>
                    <a href="/credits" class="nav-balance" data-testid="header-balance">
                      <span class="visually-hidden">Balance: </span>
                      {formatCredits(session.user.credits)} credits
                    </a>
                  </li>
                )}
                <li>
                  <button
                    type="button"
                    class="btn btn-secondary btn-small"
                    onClick={handleSignOut}
                    aria-disabled={signingOut ? 'true' : undefined}
                    aria-busy={signingOut ? 'true' : undefined}
                  >
                    {signingOut && <span class="spinner" aria-hidden="true" />}
                    Sign out
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <a href="/community" aria-current={current('/community')}>
                    Community
                  </a>
                </li>
                <li>
                  <a href="/signin" aria-current={current('/signin')}>
                    Sign in
                  </a>
                </li>
                <li>
                  <a href="/signup" class="btn btn-primary btn-small" aria-current={current('/signup')}>
                    Sign up
                  </a>
                </li>
              </>
            )}
          </ul>
        </nav>
      </div>
    </header>
  );
}
