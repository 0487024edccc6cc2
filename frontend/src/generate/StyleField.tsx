import type { StylePreset } from '../api';
import { LoadError } from '../components/LoadError';
import { SelectField } from '../components/SelectField';
import type { Loaded } from '../hooks';

interface StyleFieldProps {
  presets: Loaded<StylePreset[]>;
  value: string;
  error?: string;
  onValue: (id: string) => void;
}

/** An optional style preset, saying what it adds to the prompt. */
export function StyleField({ presets, value, error, onValue }: StyleFieldProps) {
  const preset = presets.data?.find((item) => item.id === value);
  return (
    <>
      <LoadError message={presets.error} onRetry={presets.retry} />
      <SelectField
        id="style"
        label="Style"
        value={value}
        error={error}
        hint={preset ? `Adds to your prompt: “${preset.prompt_suffix}”` : 'No style is added to your prompt.'}
        onValue={onValue}
        options={[{ value: '', label: 'None' }, ...(presets.data ?? []).map((item) => ({ value: item.id, label: item.label }))]}
      />
    </>
  );
}
