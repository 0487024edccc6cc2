import { usePageTitle } from '../hooks';

export function NotFound() {
  usePageTitle('Page not found');
  return (
    <section class="not-found" aria-labelledby="not-found-title">
      <p class="eyebrow">404</p>
      <h1 id="not-found-title">Page not found</h1>
      <p>We couldn't find the page you were looking for. It may have moved, or the address may be mistyped.</p>
      <p>
        <a href="/" class="btn btn-primary">
          Back to the home page
        </a>
      </p>
    </section>
  );
}
