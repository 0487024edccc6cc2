import { useLayoutEffect, useRef } from 'preact/hooks';
import type { PromptTemplate } from '../api';
import { formatNumber } from '../format';
import type { FieldErrors } from '../forms';
import { titleCase } from '../generations';
import { OptionCards } from './OptionCards';

export const MAX_PROMPT = 4000;
/** The prompt box grows with its text up to this many lines, then scrolls. */
const MAX_ROWS = 8;
/** On phones the count shows only from here on, where it starts to matter. */
const NEAR_LIMIT = 3000;

interface TemplateFieldsProps {
  templates: PromptTemplate[] | null;
  template: PromptTemplate | undefined;
  templateValues: Record<string, string>;
  onTemplate: (id: string) => void;
  onTemplateValue: (name: string, value: string) => void;
  errors: FieldErrors;
}

/** Optional prompt templates as cards, and the blanks of the chosen one. */
export function TemplateFields({ templates, template, templateValues, onTemplate, onTemplateValue, errors }: TemplateFieldsProps) {
  if (!templates || templates.length === 0) return null;
  return (
    <OptionCards
      id="template"
      legend="Prompt template"
      hint="Optional: pick one and fill in the blanks to write the prompt."
      value={template?.id ?? ''}
      onValue={onTemplate}
      cards={[
        { value: '', label: 'None', detail: 'Write your own' },
        ...templates.map((item) => ({ value: item.id, label: item.label, detail: item.template })),
      ]}
      testId="template-cards"
    >
      {template && template.variables.length > 0 && (
        <fieldset class="template-vars" data-testid="template-variables">
          <legend>Fill in the template</legend>
          <p class="field-hint template-text">{template.template}</p>
          {template.variables.map((name) => {
            const id = `template-${name}`;
            const error = errors[id];
            return (
              <div class="field" key={id}>
                <label for={id}>{titleCase(name)}</label>
                <input
                  id={id}
                  name={id}
                  type="text"
                  value={templateValues[name] ?? ''}
                  onInput={(event) => onTemplateValue(name, event.currentTarget.value)}
                  aria-invalid={error ? 'true' : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                />
                {error && (
                  <p id={`${id}-error`} class="field-error">
                    {error}
                  </p>
                )}
              </div>
            );
          })}
        </fieldset>
      )}
    </OptionCards>
  );
}

interface PromptInputProps {
  prompt: string;
  onPrompt: (prompt: string) => void;
  error?: string;
}

/** The prompt itself: a box that grows with its text; Ctrl+Enter (⌘+Enter) anywhere on the page generates. */
export function PromptInput({ prompt, onPrompt, error }: PromptInputProps) {
  const box = useRef<HTMLTextAreaElement>(null);
  const describedBy = ['prompt-hint', 'prompt-count', error ? 'prompt-error' : null].filter(Boolean).join(' ');

  // Grow to fit the text, before the browser paints (so a prompt put in by the page moves nothing after).
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const style = getComputedStyle(element);
    const line = parseFloat(style.lineHeight) || 24;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    element.style.height = 'auto';
    const borders = element.offsetHeight - element.clientHeight;
    element.style.height = `${Math.min(element.scrollHeight, line * MAX_ROWS + padding) + borders}px`;
  }, [prompt]);

  return (
    <div class="prompt-field">
      <label for="prompt" class="visually-hidden">
        Prompt
      </label>
      <textarea
        ref={box}
        id="prompt"
        name="prompt"
        rows={2}
        maxLength={MAX_PROMPT}
        value={prompt}
        placeholder="Describe the image you want…"
        onInput={(event) => onPrompt(event.currentTarget.value)}
        required
        aria-required="true"
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy}
        data-testid="prompt"
      />
      <div class="prompt-meta">
        <p id="prompt-hint" class="prompt-hint">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd> on a Mac) generates
        </p>
        <p
          id="prompt-count"
          class={prompt.length > MAX_PROMPT ? 'char-count char-count-over' : prompt.length > NEAR_LIMIT ? 'char-count' : 'char-count char-count-far'}
        >
          {formatNumber(prompt.length)} / {formatNumber(MAX_PROMPT)}
          <span class="visually-hidden"> characters</span>
        </p>
      </div>
      {error && (
        <p id="prompt-error" class="field-error" data-testid="prompt-error">
          {error}
        </p>
      )}
    </div>
  );
}
