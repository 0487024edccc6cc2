import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { FeedbackWidget } from './FeedbackWidget';
import { Header } from './Header';
import { ThemeSwitch } from './ThemeSwitch';
import { VerifyEmailBanner } from './VerifyEmailBanner';
import './Layout.css';

/** Pages about images, and the admin's tables, get the whole width of wide screens. */
const WIDE = [/^\/generate$/, /^\/gallery$/, /^\/community$/, /^\/images\/[^/]+$/, /^\/images\/[^/]+\/edit$/, /^\/s\/[^/]+$/, /^\/admin(\/|$)/];

export function Layout({ children }: { children: ComponentChildren }) {
  const { url, path } = useLocation();
  const wide = WIDE.some((pattern) => pattern.test(path));
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After client-side navigation, start screen readers and keyboard users at the new page's content.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [url]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1} class={wide ? 'container container-wide' : 'container'}>
        <VerifyEmailBanner />
        {children}
      </main>
      <footer class="site-footer">
        <div class={wide ? 'container container-wide footer-inner' : 'container footer-inner'}>
          <p>
            Pixmint · AI images, pay as you go · $1 = 100 credits · <a href="/community">Community</a> ·{' '}
            <a href="/pricing">Pricing</a> · <a href="/developers">API docs</a> · <a href="/help">Help</a> · <a href="/changelog">What's new</a> ·{' '}
            <a href="/status">Status</a> · <a href="/contact">Contact</a> ·{' '}
            <a href="/terms">Terms</a> · <a href="/privacy">Privacy</a>
          </p>
          <div class="footer-actions">
            <FeedbackWidget />
            <ThemeSwitch />
          </div>
        </div>
      </footer>
    </>
  );
}
