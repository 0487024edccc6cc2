import { useCallback, useState } from 'preact/hooks';
import { ApiError } from '../api';
import './PasswordFeedback.css';
import { formatNumber } from '../format';

/** zxcvbn's verdict on a refused password, from the details of a 422 weak_password. */
export interface PasswordAdvice {
  /** 0 (too guessable) to 4 (very unguessable); null when the password failed a simpler rule (length, common list). */
  score: number | null;
  minScore: number | null;
  suggestions: string[];
}

const STRENGTH = ['very weak', 'weak', 'fair', 'strong', 'very strong'];
export const MAX_SCORE = STRENGTH.length - 1;

/** The advice in a weak_password error, or null for any other failure or one with nothing to add. */
export function passwordAdvice(error: unknown): PasswordAdvice | null {
  if (!(error instanceof ApiError) || error.code !== 'weak_password') return null;
  const { score, min_score: minScore, suggestions } = error.details;
  const advice: PasswordAdvice = {
    score: typeof score === 'number' ? Math.max(0, Math.min(MAX_SCORE, Math.round(score))) : null,
    minScore: typeof minScore === 'number' ? minScore : null,
    suggestions: Array.isArray(suggestions) ? suggestions.filter((s): s is string => typeof s === 'string' && s !== '') : [],
  };
  return advice.score === null && advice.suggestions.length === 0 ? null : advice;
}

/** The advice from the last try of a form that sets a password: `track` wraps the API call. */
export function usePasswordAdvice() {
  const [advice, setAdvice] = useState<PasswordAdvice | null>(null);
  const track = useCallback(async <T,>(call: () => Promise<T>): Promise<T> => {
    setAdvice(null);
    try {
      return await call();
    } catch (error) {
      setAdvice(passwordAdvice(error));
      throw error;
    }
  }, []);
  return { advice, track };
}

/**
 * Shown under the password field, below the error (zxcvbn's warning): how strong the password is and what would
 * make it stronger. The input names it in aria-describedby, so screen readers read it with the field.
 */
export function PasswordFeedback({ id, advice }: { id: string; advice: PasswordAdvice }) {
  const { score, minScore, suggestions } = advice;
  return (
    <div id={id} class="password-feedback" data-testid="password-feedback">
      {score !== null && (
        <p class="password-strength">
          <span class="strength-bar" data-score={score} aria-hidden="true">
            <span />
          </span>
          Strength: {STRENGTH[score]} ({formatNumber(score)} of {formatNumber(MAX_SCORE)}
          {minScore !== null ? `; ${formatNumber(minScore)} or more needed` : ''})
        </p>
      )}
      {suggestions.length > 0 && (
        <>
          <p class="password-tips-title">To make it stronger:</p>
          <ul class="password-tips">
            {suggestions.map((suggestion) => (
              <li key={suggestion}>{suggestion}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
