import { RadioFieldset, groupErrorId, radioId, type RadioGroupProps } from './RadioFieldset';

export interface OptionCard {
  value: string;
  label: string;
  /** A line under the label, tied to the radio as its description. */
  detail?: string;
}

interface OptionCardsProps extends RadioGroupProps {
  cards: OptionCard[];
}

/** A small stable number for a value, so each card keeps its swatch from one visit to the next. */
function swatch(value: string): number {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 8;
}

/** Native radio buttons drawn as cards with a colour swatch: one tab stop, the arrow keys move the choice. */
export function OptionCards({ cards, value, onValue, ...group }: OptionCardsProps) {
  const { id, error } = group;
  const errorId = groupErrorId(id, error);
  const radios = (
    <div class="option-cards">
      {cards.map((card) => {
        const inputId = radioId(id, card.value, 'none');
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
  );
  return <RadioFieldset {...group} className="card-field" radios={radios} />;
}
