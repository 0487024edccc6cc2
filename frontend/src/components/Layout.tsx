import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Header } from './Header';
import { VerifyEmailBanner } from './VerifyEmailBanner';
import './Layout.css';

export function Layout({ children }: { children: ComponentChildren }) {
  const { url } = useLocation();
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
      <main id="main" ref={main} tabIndex={-1} class="container">
        <VerifyEmailBanner />
        {children}
      </main>
      <footer class="site-footer">
        <div class="container">
          <p>
            Pixmint · AI images, pay as you go · $1 = 100 credits · <a href="/developers">API docs</a>
          </p>
        </div>
      </footer>
    </>
  );
}
