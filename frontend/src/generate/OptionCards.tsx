import type { ComponentChildren } from 'preact';

export interface OptionCard {
  value: string;
  label: string;
  /** A line under the label, tied to the radio as its description. */
  detail?: string;
}

interface OptionCardsProps {
  /** The radio group's name; ids derive from it. */
  id: string;
  legend: string;
  value: string;
  cards: OptionCard[];
  onValue: (value: string) => void;
  error?: string;
  hint?: string;
  testId?: string;
  children?: ComponentChildren;
}

/** A small stable number for a value, so each card keeps its swatch from one visit to the next. */
function swatch(value: string): number {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 8;
}

/** Native radio buttons drawn as cards with a colour swatch: one tab stop, the arrow keys move the choice. */
export function OptionCards({ id, legend, value, cards, onValue, error, hint, testId, children }: OptionCardsProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <fieldset class="card-field" data-testid={testId} aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      <div class="option-cards">
        {cards.map((card) => {
          const inputId = `${id}-${card.value.replace(/[^a-zA-Z0-9_-]/g, '-') || 'none'}`;
          const detailId = card.detail ? `${inputId}-detail` : undefined;
          return (
            <label key={card.value} class="option-card" for={inputId}>
              <input
                id={inputId}
                type="radio"
                name={id}
                value={card.value}
                checked={card.value === value}
                onChange={() => onValue(card.value)}
                aria-describedby={[detailId, errorId].filter(Boolean).join(' ') || undefined}
              />
              <span class={card.value ? `option-swatch swatch-${swatch(card.value)}` : 'option-swatch swatch-none'} aria-hidden="true" />
              <span class="option-card-text">
                <span class="option-card-label">{card.label}</span>
                {card.detail && (
                  <span id={detailId} class="option-card-detail">
                    {card.detail}
                  </span>
                )}
              </span>
            </label>
          );
        })}
      </div>
      {children}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
