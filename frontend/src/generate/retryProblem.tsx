import type { ImageModel } from '../api';
import { creditsText, modelLabel } from '../generations';
import type { Refusal } from './useGenerationRequests';
import { WithdrawnNotice } from './WithdrawnNotice';

interface RetryProblemProps {
  refusal: Refusal | null;
  error: string | null;
  /** The default model, when the retry's model was withdrawn. */
  suggestion: ImageModel | undefined;
  onRetryWith: (model: string) => void;
}

/** Why "Try again" didn't go through, with what to do next; nothing when it did. */
export function retryProblem({ refusal, error, suggestion, onRetryWith }: RetryProblemProps) {
  if (refusal?.kind === 'withdrawn') {
    return (
      <WithdrawnNotice
        suggestion={suggestion}
        action={suggestion ? `Try again with ${modelLabel(suggestion)}` : null}
        onAction={() => suggestion && onRetryWith(suggestion.id)}
        bare
      />
    );
  }
  if (refusal?.kind === 'short') {
    return (
      <p>
        This costs {creditsText(refusal.shortfall.cost)}; your balance is {creditsText(refusal.shortfall.balance)}.{' '}
        <a href="/credits">Buy credits</a>
      </p>
    );
  }
  return error ? <p>{error}</p> : null;
}
