/** A failed load, announced at once, with a way to try again. */
export function LoadError({ message, onRetry }: { message: string | null; onRetry: () => void }) {
  if (!message) return null;
  return (
    <div class="alert alert-error" role="alert">
      <p>{message}</p>
      <button type="button" class="btn btn-secondary btn-small" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
