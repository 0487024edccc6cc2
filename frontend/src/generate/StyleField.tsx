import type { StylePreset } from '../api';
import { LoadError } from '../components/LoadError';
import type { Loaded } from '../hooks';
import { OptionCards } from './OptionCards';

interface StyleFieldProps {
  presets: Loaded<StylePreset[]>;
  value: string;
  error?: string;
  onValue: (id: string) => void;
}

/** An optional style preset as cards, each saying what it adds to the prompt. */
export function StyleField({ presets, value, error, onValue }: StyleFieldProps) {
  const items = presets.data ?? [];
  return (
    <>
      <LoadError message={presets.error} onRetry={presets.retry} />
      {items.length > 0 && (
        <OptionCards
          id="style"
          legend="Style"
          value={value}
          error={error}
          onValue={onValue}
          cards={[
            { value: '', label: 'None', detail: 'Your prompt as written' },
            ...items.map((item) => ({ value: item.id, label: item.label, detail: `Adds “${item.prompt_suffix}”` })),
          ]}
          testId="style-cards"
        />
      )}
    </>
  );
}
