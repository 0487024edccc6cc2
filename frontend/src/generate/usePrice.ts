import type { GenerationRequest, ImageModel } from '../api';
import { estimateUnit, type ResolvedOptions } from './options';
import { FIELDS } from './request';
import { useQuote, type LiveQuote } from './useQuote';

export interface Price {
  live: LiveQuote;
  /** Credits per image, and for the whole request; null while there is no price. */
  unit: number | null;
  cost: number | null;
  /** The balance doesn't cover the cost. */
  short: boolean;
}

/**
 * The API's quote for `body` (null: nothing to quote yet) once the inputs settle; until then the model's own
 * prices.
 */
export function usePrice(
  body: GenerationRequest | null,
  model: ImageModel | undefined,
  resolved: ResolvedOptions | null,
  balance: number,
): Price {
  const live = useQuote(body, FIELDS);
  const estimate = model && resolved ? estimateUnit(model, resolved) : null;
  const unit = live.quote?.unit_credits ?? estimate;
  const cost = live.quote?.cost_credits ?? (estimate === null || !resolved ? null : estimate * resolved.count);
  return { live, unit, cost, short: cost !== null && cost > balance };
}
