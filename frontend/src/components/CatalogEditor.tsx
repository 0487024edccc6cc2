import { useRef, useState } from 'preact/hooks';
import { Field } from './Field';
import { SelectField } from './SelectField';
import { FormAlert } from './FormAlert';
import { LoadError } from './LoadError';
import { SubmitButton } from './SubmitButton';
import { type FieldErrors, useFormSubmit } from '../forms';
import { useApiData } from '../hooks';
import { useUnsavedChanges } from '../unsaved';

export interface CatalogField {
  name: string;
  label: string;
  kind: 'text' | 'textarea' | 'int' | 'usd' | 'choice' | 'flag';
  hint?: string;
  /** For kind=choice. */
  options?: readonly string[];
  /** For kind=int: the lowest value (default 1); optional fields may be left empty and are then not sent. */
  min?: number;
  optional?: boolean;
  /** Shown in the list only (the form sets it another way, like the active switch). */
  listOnly?: boolean;
  /** Shown in the list; defaults to the raw value. */
  show?: (value: unknown) => string;
}

interface CatalogEditorProps {
  /** Used for ids and test ids, e.g. "preset". */
  kind: string;
  title: string;
  /** One item's name in messages, e.g. "style preset". */
  noun: string;
  fields: CatalogField[];
  load: (signal: AbortSignal) => Promise<{ items: Record<string, unknown>[] }>;
  save: (id: string, values: Record<string, unknown>) => Promise<void>;
  onSaved: (message: string) => void;
  /** The list's caption; the default says it lists the active items. */
  caption?: string;
  /** The ids this kind takes, and the rule in words. */
  idPattern?: RegExp;
  idRule?: string;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
const ID_RULE = 'The id is 1 to 40 letters, digits, - or _.';

/** What the form holds, to tell whether it has changed since it was filled. */
function snapshot(id: string, values: Record<string, string>, position: string, active: boolean): string {
  return JSON.stringify([id, values, position, active]);
}

/**
 * A list of catalogue items (style presets, prompt templates, credit packs) from their public list, and one form
 * that creates a new item or edits the chosen one (an upsert by id, with a position and an active switch).
 */
export function CatalogEditor(props: CatalogEditorProps) {
  const { kind, title, noun, fields, load, save, onSaved } = props;
  const { caption = `Active ${noun}s, in the order users see them`, idPattern = ID_PATTERN, idRule = ID_RULE } = props;
  const list = useApiData(load);
  const formFields = fields.filter((field) => !field.listOnly);
  const empty = (): Record<string, string> => Object.fromEntries(fields.map((field) => [field.name, '']));
  const [editing, setEditing] = useState<string | null>(null);
  const [id, setId] = useState('');
  const [values, setValues] = useState<Record<string, string>>(empty);
  const [position, setPosition] = useState('');
  const [active, setActive] = useState(true);
  const [filled, setFilled] = useState(() => snapshot('', empty(), '', true));
  useUnsavedChanges(snapshot(id, values, position, active) !== filled);
  const names = ['id', ...fields.map((field) => field.name), 'position'];
  const { busy, errors, run, formRef, clear } = useFormSubmit(names);
  const heading = useRef<HTMLHeadingElement>(null);
  const titleId = `${kind}-title`;
  const formTitleId = `${kind}-form-title`;

  function startEdit(item: Record<string, unknown>) {
    clear();
    const itemValues = Object.fromEntries(
      fields.map((field) => {
        const raw = item[field.name];
        // An input's value, not a display: no grouping, so "1000.00" reads back as it was typed.
        return [field.name, field.kind === 'usd' && typeof raw === 'number' ? (raw / 100).toFixed(2) : raw === undefined || raw === null ? '' : String(raw)];
      }),
    );
    const itemPosition = typeof item.position === 'number' ? String(item.position) : String(list.data?.items.indexOf(item) ?? '');
    const itemActive = item.active === undefined ? true : Boolean(item.active);
    setEditing(String(item.id));
    setId(String(item.id));
    setValues(itemValues);
    setPosition(itemPosition);
    setActive(itemActive);
    setFilled(snapshot(String(item.id), itemValues, itemPosition, itemActive));
    requestAnimationFrame(() => heading.current?.focus());
  }

  function startNew() {
    clear();
    setEditing(null);
    setId('');
    setValues(empty());
    setPosition('');
    setActive(true);
    setFilled(snapshot('', empty(), '', true));
    requestAnimationFrame(() => heading.current?.focus());
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    void run(
      () => {
        const invalid: FieldErrors = {};
        if (!idPattern.test(id.trim())) invalid.id = idRule;
        for (const field of formFields) {
          const text = (values[field.name] || (field.kind === 'choice' ? (field.options?.[0] ?? '') : '')).trim();
          if (field.kind === 'flag') {
            body[field.name] = text === 'true';
          } else if (!text) {
            if (!field.optional) invalid[field.name] = `Enter the ${field.label.toLowerCase()}.`;
          } else if (field.kind === 'int') {
            if (!/^\d+$/.test(text) || Number(text) < (field.min ?? 1)) invalid[field.name] = `${field.label} is a whole number of at least ${field.min ?? 1}.`;
            else body[field.name] = Number(text);
          } else if (field.kind === 'usd') {
            if (!/^\d+(\.\d{1,2})?$/.test(text)) invalid[field.name] = `${field.label} is an amount in dollars, like 9.99.`;
            else body[field.name] = Math.round(Number(text) * 100);
          } else {
            body[field.name] = text;
          }
        }
        if (position.trim()) {
          if (!/^\d+$/.test(position.trim())) invalid.position = 'The position is a whole number.';
          else body.position = Number(position.trim());
        }
        body.active = active;
        return invalid;
      },
      async () => {
        await save(id.trim(), body);
        onSaved(`${capitalize(noun)} ${id.trim()} saved.`);
        startNew();
        list.retry();
      },
    );
  }

  return (
    <section class="section catalog" aria-labelledby={titleId}>
      <div class="section-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="btn btn-secondary btn-small" onClick={startNew} data-testid={`${kind}-new`}>
          New {noun}
        </button>
      </div>
      <LoadError message={list.error} onRetry={list.retry} />
      {list.loading && !list.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading…
        </p>
      )}
      {list.data && list.data.items.length === 0 && <p class="muted">None yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby={`${kind}-caption`} tabIndex={0}>
          <table class="data-table" data-testid={`${kind}-table`}>
            <caption id={`${kind}-caption`}>{caption}</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                {fields.map((field) => (
                  <th scope="col" key={field.name}>
                    {field.label}
                  </th>
                ))}
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((item) => (
                <tr key={String(item.id)} data-testid={`${kind}-row`} data-id={String(item.id)}>
                  <th scope="row">
                    <code>{String(item.id)}</code>
                  </th>
                  {fields.map((field) => (
                    <td key={field.name} class="cell-wrap" data-label={field.label}>
                      {field.show ? field.show(item[field.name]) : String(item[field.name] ?? '')}
                    </td>
                  ))}
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      onClick={() => startEdit(item)}
                      aria-label={`Edit ${noun} ${String(item.id)}`}
                    >
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div class="card catalog-form">
        <h3 id={formTitleId} ref={heading} tabIndex={-1}>
          {editing ? `Edit ${noun} ${editing}` : `New ${noun}`}
        </h3>
        <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby={formTitleId} class="narrow-form">
          <FormAlert message={errors.form} />
          <Field
            id={`${kind}-id`}
            label="Id"
            hint={editing ? 'Changing the id creates a new item.' : `${idRule} Saving an existing id changes it.`}
            required
            value={id}
            onValue={setId}
            error={errors.fields.id}
          />
          {formFields.map((field) =>
            field.kind === 'flag' ? (
              <div class="field checkbox-field" key={field.name}>
                <input
                  id={`${kind}-${field.name}`}
                  type="checkbox"
                  checked={values[field.name] === 'true'}
                  onChange={(event) => {
                    const checked = event.currentTarget.checked;
                    setValues((previous) => ({ ...previous, [field.name]: String(checked) }));
                  }}
                />
                <label for={`${kind}-${field.name}`}>{field.label}</label>
              </div>
            ) : field.kind === 'choice' ? (
              <SelectField
                key={field.name}
                id={`${kind}-${field.name}`}
                label={field.label}
                value={values[field.name] || (field.options?.[0] ?? '')}
                onValue={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
                options={(field.options ?? []).map((option) => ({ value: option, label: option }))}
              />
            ) : field.kind === 'textarea' ? (
              <Field
                key={field.name}
                id={`${kind}-${field.name}`}
                label={field.label}
                hint={field.hint}
                rows={3}
                maxLength={2000}
                required
                value={values[field.name]}
                onValue={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
                error={errors.fields[field.name]}
              />
            ) : (
              <Field
                key={field.name}
                id={`${kind}-${field.name}`}
                label={field.label}
                hint={field.hint}
                type={field.kind === 'int' ? 'number' : 'text'}
                min={field.kind === 'int' ? (field.min ?? 1) : undefined}
                required={!field.optional}
                value={values[field.name]}
                onValue={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
                error={errors.fields[field.name]}
              />
            ),
          )}
          <div class="field-row">
            <Field
              id={`${kind}-position`}
              label="Position (optional)"
              type="number"
              min={0}
              hint="Lower comes first."
              value={position}
              onValue={setPosition}
              error={errors.fields.position}
            />
            <div class="field checkbox-field checkbox-inline">
              <input id={`${kind}-active`} type="checkbox" checked={active} onChange={(event) => setActive(event.currentTarget.checked)} />
              <label for={`${kind}-active`}>Active (shown to users)</label>
            </div>
          </div>
          <SubmitButton busy={busy} busyText={`Saving the ${noun}…`} testId={`${kind}-save`}>
            Save {noun}
          </SubmitButton>
        </form>
      </div>
    </section>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
