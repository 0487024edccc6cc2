import { MAX_NEGATIVE } from './request';
import { formatNumber } from '../format';

interface MoreOptionsProps {
  negative: string;
  onNegative: (value: string) => void;
  open: boolean;
  onToggle: (open: boolean) => void;
  error?: string;
}

/** Folded away by default: the negative prompt. */
export function MoreOptions({ negative, onNegative, open, onToggle, error }: MoreOptionsProps) {
  return (
    <details class="more-options" open={open || !!error} onToggle={(event) => onToggle(event.currentTarget.open)}>
      <summary>More options</summary>
      <div class="field">
        <label for="negative-prompt">Negative prompt</label>
        <p id="negative-prompt-hint" class="field-hint">
          Optional: what to leave out of the picture, up to {formatNumber(MAX_NEGATIVE)} characters.
        </p>
        <textarea
          id="negative-prompt"
          name="negative_prompt"
          rows={2}
          maxLength={MAX_NEGATIVE}
          value={negative}
          onInput={(event) => onNegative(event.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'negative-prompt-hint negative-prompt-error' : 'negative-prompt-hint'}
        />
        {error && (
          <p id="negative-prompt-error" class="field-error">
            {error}
          </p>
        )}
      </div>
    </details>
  );
}
