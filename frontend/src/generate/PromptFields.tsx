import type { PromptTemplate } from '../api';
import type { FieldErrors } from '../forms';
import { titleCase } from '../generations';

export const MAX_PROMPT = 4000;

interface PromptFieldsProps {
  templates: PromptTemplate[] | null;
  template: PromptTemplate | undefined;
  templateValues: Record<string, string>;
  onTemplate: (id: string) => void;
  onTemplateValue: (name: string, value: string) => void;
  prompt: string;
  onPrompt: (prompt: string) => void;
  /** Ctrl+Enter / ⌘+Enter in the prompt. */
  onSubmitKey: () => void;
  errors: FieldErrors;
}

/** An optional prompt template with its blanks, and the prompt itself. */
export function PromptFields(props: PromptFieldsProps) {
  const { templates, template, templateValues, onTemplate, onTemplateValue, prompt, onPrompt, onSubmitKey, errors } = props;
  const promptError = errors.prompt;
  const promptDescribedBy = ['prompt-hint', 'prompt-count', promptError ? 'prompt-error' : null].filter(Boolean).join(' ');

  function handleKey(event: KeyboardEvent) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmitKey();
    }
  }

  return (
    <>
      {templates && templates.length > 0 && (
        <div class="field">
          <label for="template">Prompt template</label>
          <p id="template-hint" class="field-hint">
            Optional: pick a template and fill in the blanks to write the prompt.
          </p>
          <select
            id="template"
            name="template"
            value={template?.id ?? ''}
            onChange={(event) => onTemplate(event.currentTarget.value)}
            aria-describedby="template-hint"
          >
            <option value="">None</option>
            {templates.map((item) => (
              <option key={item.id} value={item.id}>
                {item.label}
              </option>
            ))}
          </select>
        </div>
      )}

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

      <div class="field">
        <label for="prompt">Prompt</label>
        <p id="prompt-hint" class="field-hint">
          Describe the picture you want. Press Ctrl+Enter (⌘+Enter on a Mac) to generate.
        </p>
        <textarea
          id="prompt"
          name="prompt"
          rows={4}
          maxLength={MAX_PROMPT}
          value={prompt}
          onInput={(event) => onPrompt(event.currentTarget.value)}
          onKeyDown={handleKey}
          required
          aria-required="true"
          aria-invalid={promptError ? 'true' : undefined}
          aria-describedby={promptDescribedBy}
          data-testid="prompt"
        />
        <p id="prompt-count" class={prompt.length > MAX_PROMPT ? 'char-count char-count-over' : 'char-count'}>
          {prompt.length.toLocaleString('en-US')} / {MAX_PROMPT.toLocaleString('en-US')} characters
        </p>
        {promptError && (
          <p id="prompt-error" class="field-error" data-testid="prompt-error">
            {promptError}
          </p>
        )}
      </div>
    </>
  );
}
