import { LoadError } from './LoadError';

interface Props {
  /** Whether another page exists (a next cursor) and may be asked for now. */
  show: boolean;
  loading: boolean;
  error: string | null;
  onLoad: () => void;
  /** Read out politely once a page has arrived, e.g. "20 more transactions loaded". */
  announcement: string;
  testId?: string;
}

/** The "Load more" control every cursor-paginated list shares, with its error and live announcement. */
export function LoadMore({ show, loading, error, onLoad, announcement, testId }: Props) {
  return (
    <>
      <LoadError message={error} onRetry={onLoad} />
      {show && (
        <p class="load-more">
          <button
            type="button"
            class="btn btn-secondary"
            onClick={onLoad}
            aria-disabled={loading ? 'true' : undefined}
            aria-busy={loading ? 'true' : undefined}
            data-testid={testId}
          >
            {loading && <span class="spinner" aria-hidden="true" />}
            Load more
          </button>
        </p>
      )}
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
    </>
  );
}
