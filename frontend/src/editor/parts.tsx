import type { ComponentChildren } from 'preact';
import type { ImageModel, Quote } from '../api';
import { formatNumber } from '../format';
import { creditsText } from '../generations';
import type { EditOperation } from './types';

export interface Choice {
  value: string;
  label: string;
  /** Said after the label, smaller: "2,048 × 2,048". */
  detail?: string;
}

interface SegmentedProps {
  /** The radio group's name; ids derive from it. */
  name: string;
  legend: string;
  /** Hide the legend visually (the group is still named by it). */
  quietLegend?: boolean;
  value: string;
  choices: Choice[];
  onValue: (value: string) => void;
  describedBy?: string;
  testId?: string;
}

/** Native radio buttons drawn as chips: one tab stop, the arrow keys move the choice, the legend names the group. */
export function Segmented({ name, legend, quietLegend, value, choices, onValue, describedBy, testId }: SegmentedProps) {
  return (
    <fieldset class="editor-chips" data-testid={testId} aria-describedby={describedBy}>
      <legend class={quietLegend ? 'visually-hidden' : undefined}>{legend}</legend>
      <div class="editor-chip-row">
        {choices.map((choice) => {
          const id = `${name}-${choice.value.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
          return (
            <label key={choice.value} class="chip editor-chip" for={id}>
              <input
                id={id}
                type="radio"
                name={name}
                value={choice.value}
                checked={choice.value === value}
                onChange={() => onValue(choice.value)}
              />
              {/* Not by colour alone: the chosen chip has a tick too (hidden from the name, the radio says it). */}
              {choice.value === value && (
                <span class="editor-chip-check" aria-hidden="true">
                  ✓
                </span>
              )}
              <span>{choice.label}</span>
              {choice.detail && <span class="editor-chip-detail">{choice.detail}</span>}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined | null }) {
  if (!message) return null;
  return (
    <p id={id} class="field-error">
      {message}
    </p>
  );
}

/** Whether a model can perform an editing operation, as GET /v1/models describes it. */
export function suitsOperation(model: ImageModel, operation: EditOperation): boolean {
  if (!model.available || !model.supports_edit) return false;
  if (operation === 'inpaint' || operation === 'outpaint') return model.supports_mask;
  if (operation === 'remove_background')
    return model.backgrounds.includes('transparent') && model.output_formats.some((f) => f === 'png' || f === 'webp');
  return true;
}

interface ModelSelectProps {
  id: string;
  models: ImageModel[];
  value: string;
  onValue: (id: string) => void;
}

export function ModelSelect({ id, models, value, onValue }: ModelSelectProps) {
  return (
    <div class="field">
      <label for={id}>Model</label>
      <select id={id} value={value} onChange={(event) => onValue(event.currentTarget.value)}>
        {models.map((model) => (
          <option key={model.id} value={model.id}>
            {model.label || model.id}
          </option>
        ))}
      </select>
    </div>
  );
}

interface QuoteLineProps {
  quote: Quote | null;
  quoting: boolean;
  /** Why there is no price: the API's complaint, or what to fill in first. */
  problem: string | null;
  balance: number;
  testId: string;
}

/** The price before the button: "Cost: 2 credits · your balance: 48 credits". */
export function QuoteLine({ quote, quoting, problem, balance, testId }: QuoteLineProps) {
  const short = !!quote && quote.cost_credits > balance;
  return (
    <div class={short ? 'editor-quote is-short' : 'editor-quote'} role="status" data-testid={testId} aria-busy={quoting ? 'true' : undefined}>
      {quote ? (
        <>
          <span>
            Cost: <strong data-testid="edit-cost">{creditsText(quote.cost_credits)}</strong>
          </span>{' '}
          <span class="muted">· your balance: {creditsText(balance)}</span>
          {quote.n > 1 && (
            <span class="muted">
              {' '}
              · {formatNumber(quote.n)} images
            </span>
          )}
          {short && (
            <span class="editor-quote-short">
              {' '}
              Not enough credits. <a href="/credits">Buy credits</a>
            </span>
          )}
        </>
      ) : quoting ? (
        'Getting the price…'
      ) : (
        (problem ?? 'No price yet.')
      )}
    </div>
  );
}

export function PanelIntro({ children }: { children: ComponentChildren }) {
  return <p class="editor-intro muted">{children}</p>;
}
