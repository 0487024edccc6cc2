/**
 * An audit entry's before and after, as the keys that changed: "credits: 5 → 12". Nested objects become dotted
 * paths; a list of price or rate rows is matched row by row on what names a row (model, size or unit, quality), so
 * a pricing change reads "placeholder 1024x1024 low › credits" rather than "[3].credits".
 */

export type Leaf = string | number | boolean | null;

export interface Change {
  /** Where the value sits, e.g. ["placeholder 1024x1024 low", "credits"]. */
  path: string[];
  before: Leaf | undefined;
  after: Leaf | undefined;
}

/** The fields that name a row of a list, in the order they are read. */
const ROW_NAME_FIELDS = ['id', 'model', 'size', 'unit', 'quality'];

function rowName(row: unknown, index: number): string {
  if (row && typeof row === 'object' && !Array.isArray(row)) {
    const record = row as Record<string, unknown>;
    const parts = ROW_NAME_FIELDS.map((field) => record[field]).filter((part) => typeof part === 'string' && part !== '');
    if (parts.length) return parts.join(' ');
  }
  return `#${index + 1}`;
}

/** Every leaf of a JSON value by its path; a row's naming fields are left out of its own leaves (the row says them). */
function leaves(value: unknown, path: string[], into: Map<string, { path: string[]; value: Leaf }>, named = false): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(JSON.stringify(path), { path, value: '(empty list)' });
    const counts = new Map<string, number>();
    value.forEach((item, index) => {
      let name = rowName(item, index);
      const seen = counts.get(name) ?? 0;
      counts.set(name, seen + 1);
      if (seen) name = `${name} (${seen + 1})`;
      leaves(item, [...path, name], into, !name.startsWith('#'));
    });
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([key]) => !(named && ROW_NAME_FIELDS.includes(key)));
    if (entries.length === 0 && !named) into.set(JSON.stringify(path), { path, value: '(empty)' });
    for (const [key, item] of entries) leaves(item, [...path, key], into);
  } else {
    into.set(JSON.stringify(path), { path, value: value === undefined ? null : (value as Leaf) });
  }
}

/** The keys whose value differs between before and after, in the order they first appear. */
export function auditChanges(before: unknown, after: unknown): Change[] {
  const old = new Map<string, { path: string[]; value: Leaf }>();
  const now = new Map<string, { path: string[]; value: Leaf }>();
  if (before !== null && before !== undefined) leaves(before, [], old);
  if (after !== null && after !== undefined) leaves(after, [], now);
  const keys = [...new Set([...old.keys(), ...now.keys()])];
  return keys
    .filter((key) => old.get(key)?.value !== now.get(key)?.value)
    .map((key) => ({ path: (now.get(key) ?? old.get(key))!.path, before: old.get(key)?.value, after: now.get(key)?.value }));
}
