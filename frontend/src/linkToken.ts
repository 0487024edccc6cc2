/**
 * The token of an emailed link, taken out of the address so it stays out of history and bookmarks: from
 * `?token=...`, as shared/API.md has it, and with `fragment` also from `#token=...` (links sent before the
 * contract was followed), in which case the fragment is dropped too.
 */
export function takeLinkToken(options: { fragment?: boolean } = {}): string {
  const query = new URLSearchParams(location.search);
  const inFragment = options.fragment ? new URLSearchParams(location.hash.replace(/^#/, '')).get('token') : null;
  const token = query.get('token') ?? inFragment ?? '';
  const dropFragment = options.fragment === true && location.hash !== '';
  if (query.has('token') || dropFragment) {
    query.delete('token');
    const rest = query.toString();
    const kept = dropFragment ? '' : location.hash;
    history.replaceState(history.state, '', location.pathname + (rest ? `?${rest}` : '') + kept);
  }
  return token.trim();
}
