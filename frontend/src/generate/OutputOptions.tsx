import type { ImageModel } from '../api';
import { SelectField } from '../components/SelectField';
import type { FieldErrors } from '../forms';
import { ChipGroup } from './ChipGroup';
import {
  MAX_FRAMES,
  MIN_FRAMES,
  backgroundLabel,
  clampFrames,
  customAllowed,
  formatLabel,
  parseSize,
  qualityLabel,
  sizeSummary,
  type OptionState,
  type ResolvedOptions,
} from './options';
import { formatNumber } from '../format';

interface OutputOptionsProps {
  model: ImageModel;
  state: OptionState;
  resolved: ResolvedOptions;
  onChange: (change: Partial<OptionState>) => void;
  errors: FieldErrors;
}

/** Size, quality, format, background, frames and count: only what the chosen model offers. */
export function OutputOptions({ model, state, resolved, onChange, errors }: OutputOptionsProps) {
  const { shape, shapes, size, sizeErrors } = resolved;
  const custom = shape?.id === 'custom' ? model.custom_sizes : null;
  const current = size ? parseSize(size) : null;

  function pickShape(id: string) {
    if (id === 'custom') {
      // Start from the size in use, so switching to Custom changes nothing until edited.
      onChange({
        shape: id,
        width: current ? String(current.width) : state.width,
        height: current ? String(current.height) : state.height,
      });
    } else {
      onChange({ shape: id, preset: '' });
    }
  }

  function editSide(side: 'width' | 'height', value: string) {
    if (shape?.id === 'custom') onChange({ [side]: value });
    else onChange({ shape: 'custom', width: String(current?.width ?? ''), height: String(current?.height ?? ''), [side]: value });
  }

  const customBounds = model.custom_sizes;
  const showCustomInputs = !!customBounds && shapes.some((choice) => choice.id === 'custom');
  const widthText = shape?.id === 'custom' ? state.width : String(current?.width ?? '');
  const heightText = shape?.id === 'custom' ? state.height : String(current?.height ?? '');
  const sizeError = custom ? undefined : errors.size;
  // About both sides together: the rules' own message, else the API's (which names the size as a whole).
  const bothSidesError = custom ? (sizeErrors?.size ?? (sizeErrors ? undefined : errors.size)) : undefined;

  return (
    <div class="output-options" data-testid="output-options">
      {shapes.length > 0 && (
        <ChipGroup
          id="aspect"
          legend="Aspect ratio"
          value={shape?.id ?? ''}
          chips={shapes.map((choice) => ({ value: choice.id, label: choice.label, ratio: choice.ratio || undefined }))}
          onValue={pickShape}
          error={sizeError}
          testId="aspect-chips"
        >
          {/* Several presets of one shape: pick one here, unless any size can be typed in below. */}
          {shape && shape.presets.length > 1 && !customAllowed(model, resolved.format ?? 'png') && (
            <SelectField
              id="preset-size"
              label="Resolution"
              value={size ?? ''}
              onValue={(value) => onChange({ preset: value })}
              options={shape.presets.map((item) => ({ value: item, label: sizeSummary(item) }))}
            />
          )}
          {showCustomInputs && customBounds && (
            <div class="custom-size" data-testid="custom-size">
              <p id="custom-size-hint" class="field-hint">
                Width × height in pixels: multiples of {formatNumber(customBounds.multiple_of)}, each side at most{' '}
                {formatNumber(customBounds.max_edge)} px, at most{' '}
                {formatNumber(customBounds.max_pixels / 1e6, 1)} MP, and the long side at
                most {formatNumber(customBounds.max_aspect, 2)} times the short one.
              </p>
              <div class="custom-size-inputs">
                <SideInput
                  id="custom-width"
                  label="Width (px)"
                  value={widthText}
                  step={customBounds.multiple_of}
                  max={customBounds.max_edge}
                  error={custom ? sizeErrors?.width : undefined}
                  sharedError={bothSidesError ? 'custom-size-error' : undefined}
                  onValue={(value) => editSide('width', value)}
                />
                <span class="custom-size-times" aria-hidden="true">
                  ×
                </span>
                <SideInput
                  id="custom-height"
                  label="Height (px)"
                  value={heightText}
                  step={customBounds.multiple_of}
                  max={customBounds.max_edge}
                  error={custom ? sizeErrors?.height : undefined}
                  sharedError={bothSidesError ? 'custom-size-error' : undefined}
                  onValue={(value) => editSide('height', value)}
                />
              </div>
              {bothSidesError && (
                <p id="custom-size-error" class="field-error" data-testid="custom-size-error">
                  {bothSidesError}
                </p>
              )}
            </div>
          )}
          {size && (
            <p class="size-summary" data-testid="size-summary">
              {sizeSummary(size)}
            </p>
          )}
        </ChipGroup>
      )}

      {model.qualities.length > 0 && (
        <OptionChips
          id="quality"
          legend="Quality"
          values={model.qualities}
          value={resolved.quality}
          label={qualityLabel}
          onValue={(quality) => onChange({ quality })}
          error={errors.quality}
        />
      )}

      {model.output_formats.length > 1 && (
        <OptionChips
          id="output-format"
          legend="Format"
          values={model.output_formats}
          value={resolved.format}
          label={formatLabel}
          onValue={(format) => onChange({ format })}
          error={errors.output_format}
          testId="format-chips"
        />
      )}

      {model.backgrounds.length > 1 && (
        <OptionChips
          id="background"
          legend="Background"
          values={model.backgrounds}
          value={resolved.background}
          label={backgroundLabel}
          unavailable={(item) =>
            item === 'transparent' && !resolved.transparentAllowed ? 'Transparent needs the PNG or WebP format.' : undefined
          }
          onValue={(background) => onChange({ background })}
          error={errors.background}
        />
      )}

      {resolved.frames !== null && (
        <FramesField frames={resolved.frames} error={errors.frame_count} onValue={(frames) => onChange({ frames })} />
      )}

      <SelectField
        id="n"
        label="Number of images"
        value={String(resolved.count)}
        error={errors.n}
        hint={resolved.format === 'svg' ? 'An SVG is made one at a time.' : undefined}
        onValue={(value) => onChange({ count: Number(value) })}
        options={Array.from({ length: resolved.maxCount }, (_, index) => ({ value: String(index + 1), label: String(index + 1) }))}
      />

      {resolved.notes.length > 0 && (
        <div class="option-notes" aria-live="polite" data-testid="option-notes">
          {resolved.notes.map((note) => (
            <p key={note} class="field-hint">
              {note}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

interface OptionChipsProps<T extends string> {
  id: string;
  legend: string;
  values: readonly T[];
  value: T | null;
  label: (value: T) => string;
  /** Why a value can't be picked with the other choices, if it can't. */
  unavailable?: (value: T) => string | undefined;
  onValue: (value: T) => void;
  error?: string;
  testId?: string;
}

/** One of the model's lists (qualities, formats, backgrounds) as a radio group of chips. */
function OptionChips<T extends string>({ values, value, label, unavailable, onValue, ...group }: OptionChipsProps<T>) {
  return (
    <ChipGroup
      {...group}
      value={value ?? ''}
      chips={values.map((item) => {
        const reason = unavailable?.(item);
        return { value: item, label: label(item), disabled: !!reason, hint: reason };
      })}
      // The group offers only `values`.
      onValue={(picked) => onValue(picked as T)}
    />
  );
}

interface SideInputProps {
  id: string;
  label: string;
  value: string;
  step: number;
  max: number;
  error?: string;
  /** The id of an error about both sides together. */
  sharedError?: string;
  onValue: (value: string) => void;
}

function SideInput({ id, label, value, step, max, error, sharedError, onValue }: SideInputProps) {
  const describedBy = ['custom-size-hint', error ? `${id}-error` : null, sharedError].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        type="number"
        inputMode="numeric"
        min={step}
        max={max}
        step={step}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error || sharedError ? 'true' : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function FramesField({ frames, error, onValue }: { frames: number; error?: string; onValue: (frames: number) => void }) {
  const describedBy = error ? 'frames-hint frames-error' : 'frames-hint';
  return (
    <div class="field frames-field" data-testid="frames-field">
      <label for="frames">Frames</label>
      <p id="frames-hint" class="field-hint">
        How many pictures the animation has, from {MIN_FRAMES} to {MAX_FRAMES}.
      </p>
      <div class="frames-inputs">
        <input
          type="range"
          min={MIN_FRAMES}
          max={MAX_FRAMES}
          step={1}
          value={frames}
          onInput={(event) => onValue(clampFrames(Number(event.currentTarget.value)))}
          aria-label="Frames slider"
          aria-describedby={describedBy}
        />
        <input
          id="frames"
          name="frame_count"
          type="number"
          inputMode="numeric"
          min={MIN_FRAMES}
          max={MAX_FRAMES}
          step={1}
          value={frames}
          // A count in range applies as it is typed; anything else is put back in range once the field is left.
          onInput={(event) => {
            const typed = Number(event.currentTarget.value);
            if (Number.isInteger(typed) && typed >= MIN_FRAMES && typed <= MAX_FRAMES) onValue(typed);
          }}
          onChange={(event) => {
            const clamped = clampFrames(Number(event.currentTarget.value));
            event.currentTarget.value = String(clamped);
            onValue(clamped);
          }}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy}
        />
      </div>
      {error && (
        <p id="frames-error" class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
