import { api } from '../api';
import { updateCredits } from '../auth';

/** Ask for the balance after a charge or refund; the header and cards follow the session's number. */
export function refreshBalance(): void {
  api
    .credits()
    .then((result) => updateCredits(result.balance))
    .catch(() => undefined); // The old number stays; the generation's own outcome matters more.
}
