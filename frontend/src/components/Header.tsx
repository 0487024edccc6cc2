import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { restoringSession, signOut, useSession } from '../auth';
import { formatCredits } from '../format';
import { Logo } from './Logo';
import './Header.css';

const NAV_ID = 'site-nav';

/**
 * Wide screens: one row — logo, primary links, account links, balance, Sign out.
 * Narrow screens: logo, balance, Sign out and a "Menu" button on top; below them the same links as
 * one compact row that scrolls sideways on its own (the page never does). "Menu" expands that row
 * into a full-width panel of large touch targets. Every link stays one element, so its accessible
 * name and role are the same at every width.
 */
export function Header() {
  const session = useSession();
  const { path, route } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLElement>(null);
  // A stored sign-in being restored gets the member header at once (its links work either way), so the page
  // below does not jump down when the account arrives.
  const signedIn = session.status === 'authenticated' || restoringSession();

  // A new page closes the menu.
  useEffect(() => setMenuOpen(false), [path, signedIn]);

  // While open: Escape closes and returns focus to the button; a click or tap outside closes.
  useEffect(() => {
    if (!menuOpen) return;
    function onKey(event: KeyboardEvent) {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      toggle.current?.focus();
    }
    function onPointer(event: PointerEvent) {
      const target = event.target as Node | null;
      if (!target || nav.current?.contains(target) || toggle.current?.contains(target)) return;
      setMenuOpen(false);
    }
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [menuOpen]);

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

  const current = (href: string): 'page' | undefined => (path === href ? 'page' : undefined);
  const link = (href: string, label: string, isCurrent = current(href)) => (
    <li>
      <a href={href} aria-current={isCurrent}>
        {label}
      </a>
    </li>
  );

  if (!signedIn) {
    return (
      <header class="site-header">
        <div class="container header-inner header-inner--guest">
          <a href="/" class="brand">
            <Logo />
            <span class="brand-name">Pixmint</span>
          </a>
          <nav aria-label="Main" class="guest-nav">
            <ul class="nav-list">
              {link('/community', 'Community')}
              <li class="nav-optional">
                <a href="/developers" aria-current={current('/developers')}>
                  API docs
                </a>
              </li>
              {link('/help', 'Help', path === '/help' || path.startsWith('/help/') ? 'page' : undefined)}
              {link('/signin', 'Sign in')}
              <li>
                <a href="/signup" class="btn btn-primary btn-small" aria-current={current('/signup')}>
                  Sign up
                </a>
              </li>
            </ul>
          </nav>
        </div>
      </header>
    );
  }

  const isAdmin = session.user?.role === 'admin';
  const inAdmin = path === '/admin' || path.startsWith('/admin/');

  return (
    <header class="site-header">
      <div class="container header-inner header-inner--member">
        <a href="/" class="brand">
          <Logo />
          <span class="brand-name">Pixmint</span>
        </a>
        <nav id={NAV_ID} ref={nav} aria-label="Main" class={menuOpen ? 'site-nav is-open' : 'site-nav'}>
          <ul class="nav-list nav-primary">
            {link('/dashboard', 'Dashboard')}
            {link('/generate', 'Generate')}
            {link('/gallery', 'Gallery')}
            {link('/community', 'Community')}
          </ul>
          <ul class="nav-list nav-account" aria-label="Account">
            {link('/credits', 'Buy credits')}
            {link('/credits/transactions', 'Transactions')}
            {link('/billing', 'Billing')}
            {link('/referrals', 'Referrals')}
            {link('/developers/keys', 'API keys')}
            {link('/help', 'Help', path === '/help' || path.startsWith('/help/') ? 'page' : undefined)}
            {link('/support', 'Support')}
            {link('/settings', 'Settings')}
            {isAdmin && link('/admin', 'Admin', inAdmin ? ('page' as const) : undefined)}
          </ul>
        </nav>
        {session.user ? (
          <a href="/credits" class="header-balance" data-testid="header-balance">
            <span class="visually-hidden">Balance: </span>
            {formatCredits(session.user.credits)} credits
          </a>
        ) : (
          <span class="header-balance header-balance--pending" aria-hidden="true">
            0 credits
          </span>
        )}
        <button
          type="button"
          class="btn btn-secondary btn-small header-signout"
          onClick={handleSignOut}
          aria-disabled={signingOut ? 'true' : undefined}
          aria-busy={signingOut ? 'true' : undefined}
        >
          {signingOut && <span class="spinner" aria-hidden="true" />}
          Sign out
        </button>
        <button
          ref={toggle}
          type="button"
          class="btn btn-secondary btn-small menu-toggle"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls={NAV_ID}
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span class="menu-icon" aria-hidden="true" />
          <span class="menu-label">Menu</span>
        </button>
      </div>
    </header>
  );
}
