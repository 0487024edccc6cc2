import { usePageTitle } from '../hooks';

export function PageLoadFailed() {
  usePageTitle('Page failed to load');
  return (
    <div class="alert alert-error" role="alert">
      <p>This page couldn't be loaded. Check your connection, then reload the page.</p>
      <button type="button" class="btn btn-secondary" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  );
}
