import { RadioFieldset, groupErrorId, radioId, type RadioGroupProps } from './RadioFieldset';

export interface Chip {
  value: string;
  label: string;
  disabled?: boolean;
  /** Why a disabled chip can't be picked; said beside the group and tied to the chip. */
  hint?: string;
  /** An aspect ratio (width / height) to draw as a small frame beside the label. */
  ratio?: number;
}

interface ChipGroupProps extends RadioGroupProps {
  chips: Chip[];
}

/**
 * Native radio buttons drawn as chips: one tab stop, arrow keys move the choice, and the fieldset's
 * legend names the group.
 */
export function ChipGroup({ chips, value, onValue, ...group }: ChipGroupProps) {
  const { id, error } = group;
  const errorId = groupErrorId(id, error);
  const radios = (
    <div class="chips">
      {chips.map((chip) => {
        const inputId = radioId(id, chip.value);
        const chipHintId = chip.disabled && chip.hint ? `${inputId}-hint` : undefined;
        const checked = chip.value === value;
        return (
          <label key={chip.value} class="chip" for={inputId}>
            <input
              id={inputId}
              type="radio"
              name={id}
              value={chip.value}
              checked={checked}
              disabled={chip.disabled}
              onChange={() => onValue(chip.value)}
              aria-invalid={error && checked ? 'true' : undefined}
              aria-describedby={[chipHintId, errorId].filter(Boolean).join(' ') || undefined}
            />
            {/* Not by colour alone: the chosen chip has a tick too (hidden from the name, the radio says it). */}
            {checked && (
              <span class="chip-check" aria-hidden="true">
                ✓
              </span>
            )}
            {chip.ratio ? <ShapeIcon ratio={chip.ratio} /> : null}
            <span>{chip.label}</span>
          </label>
        );
      })}
    </div>
  );
  const hints = chips.map(
    (chip) =>
      chip.disabled &&
      chip.hint && (
        <p key={chip.value} id={`${radioId(id, chip.value)}-hint`} class="field-hint field-hint-after">
          {chip.hint}
        </p>
      ),
  );
  return <RadioFieldset {...group} className="chip-field" radios={radios} after={hints} />;
}

/** A frame of the chip's shape, drawn inside a 20-pixel square. */
function ShapeIcon({ ratio }: { ratio: number }) {
  const width = ratio >= 1 ? 16 : 16 * ratio;
  const height = ratio >= 1 ? 16 / ratio : 16;
  return (
    <svg class="chip-shape" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
      <rect x={10 - width / 2} y={10 - height / 2} width={width} height={height} rx="2" fill="none" stroke="currentColor" stroke-width="1.6" />
    </svg>
  );
}
