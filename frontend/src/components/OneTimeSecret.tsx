import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { copyText } from '../developer';

interface OneTimeSecretProps {
  /** Names the test ids: new-{name}, new-{name}-value, copy-{name}, hide-{name}. */
  name: string;
  title: string;
  /** Why to copy it now; the input is described by it. */
  warning: ComponentChildren;
  label: string;
  value: string;
  onDone: () => void;
  onCopied: (message: string) => void;
}

/** A secret shown this once (an API key, a webhook signing secret): read-only, selectable, with Copy. */
export function OneTimeSecret({ name, title, warning, label, value, onDone, onCopied }: OneTimeSecretProps) {
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [copyHelp, setCopyHelp] = useState<string | null>(null);
  const ids = { title: `new-${name}-title`, warning: `new-${name}-warning`, help: `new-${name}-copy-help`, value: `new-${name}-value` };

  // Take keyboard and screen reader users straight to the secret.
  useEffect(() => heading.current?.focus(), [value]);

  async function copy() {
    setCopyHelp(null);
    if (await copyText(value)) {
      onCopied(`${label} copied.`);
    } else {
      input.current?.focus();
      input.current?.select();
      setCopyHelp(`Copying was blocked. The ${label.toLowerCase()} is selected: press Ctrl+C (⌘C on a Mac) to copy it.`);
    }
  }

  return (
    <section class="card new-key" aria-labelledby={ids.title} data-testid={`new-${name}`}>
      <h2 id={ids.title} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p class="alert alert-info" id={ids.warning}>
        {warning}
      </p>
      <div class="field">
        <label for={ids.value}>{label}</label>
        <div class="input-row">
          <input
            ref={input}
            id={ids.value}
            type="text"
            readOnly
            value={value}
            class="mono"
            spellcheck={false}
            autoComplete="off"
            aria-describedby={copyHelp ? `${ids.warning} ${ids.help}` : ids.warning}
            onFocus={(event) => event.currentTarget.select()}
            data-testid={ids.value}
          />
          <button type="button" class="btn btn-primary" onClick={copy} data-testid={`copy-${name}`}>
            Copy {label.toLowerCase()}
          </button>
        </div>
        {copyHelp && (
          <p id={ids.help} class="field-hint field-hint-after" role="status">
            {copyHelp}
          </p>
        )}
      </div>
      <button type="button" class="btn btn-secondary" onClick={onDone} data-testid={`hide-${name}`}>
        I've saved it, hide it
      </button>
    </section>
  );
}
