import type { ImageModel } from '../api';
import { modelLabel } from '../generations';

interface WithdrawnProps {
  suggestion: ImageModel | undefined;
  action: string | null;
  onAction: () => void;
  /** Inside an alert already: no box of its own. */
  bare?: boolean;
}

/** A 409 model_unavailable: the provider withdrew the model; offer the default one. */
export function WithdrawnNotice({ suggestion, action, onAction, bare }: WithdrawnProps) {
  const content = (
    <>
      <p>
        This model is no longer available.
        {suggestion ? ` ${modelLabel(suggestion)} is the default model now.` : ''}{' '}
        <a href="/help/models-and-options">Why models go away</a>
      </p>
      {action && (
        <button type="button" class="btn btn-secondary btn-small" onClick={onAction} data-testid="use-default-model">
          {action}
        </button>
      )}
    </>
  );
  if (bare) return content;
  return (
    <div class="alert alert-error" role="alert" data-testid="model-withdrawn">
      {content}
    </div>
  );
}
