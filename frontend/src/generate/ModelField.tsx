import type { ImageModel } from '../api';
import { SelectField } from '../components/SelectField';
import { modelLabel } from '../generations';

const OFFLINE_NOTICE = 'Pictures are drawn by the offline placeholder renderer, not by AI.';

interface ModelFieldProps {
  model: ImageModel;
  models: ImageModel[];
  error?: string;
  onChoose: (model: ImageModel) => void;
}

/** The model select, with a note when the chosen one is the offline renderer or unavailable. */
export function ModelField({ model, models, error, onChoose }: ModelFieldProps) {
  const unavailable = !model.available;
  return (
    <>
      <SelectField
        id="model"
        label="Model"
        value={model.id}
        error={error}
        describedBy={
          [model.offline ? 'offline-notice' : null, unavailable ? 'model-unavailable' : null].filter(Boolean).join(' ') ||
          undefined
        }
        onValue={(value) => {
          const next = models.find((item) => item.id === value);
          if (next) onChoose(next);
        }}
        options={models.map((item) => ({
          value: item.id,
          label: item.available ? modelLabel(item) : `${modelLabel(item)} (unavailable)`,
          // The chosen one stays selectable, so the select still shows it.
          disabled: !item.available && item.id !== model.id,
        }))}
        testId="model-select"
      />
      {model.offline && (
        <p id="offline-notice" class="alert alert-info offline-notice" data-testid="offline-notice">
          {OFFLINE_NOTICE}
        </p>
      )}
      {unavailable && (
        <p id="model-unavailable" class="alert alert-error offline-notice" data-testid="model-unavailable">
          This model is unavailable right now. Choose another one.
        </p>
      )}
    </>
  );
}
