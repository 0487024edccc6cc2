import { useState } from 'preact/hooks';
import type { PromptTemplate } from '../api';
import type { FieldErrors, FormErrors } from '../forms';
import { fillTemplate, titleCase, unfilledVariables } from '../generations';
import { MAX_PROMPT } from './PromptFields';
import { formatNumber } from '../format';

interface FormState {
  errors: FormErrors;
  clear: () => void;
}

/** The prompt, typed or filled in from a template's blanks; editing clears the errors it answers. */
export function usePromptFields(templates: PromptTemplate[] | null, form: FormState, initial = '') {
  const [prompt, setPrompt] = useState(initial);
  const [templateId, setTemplateId] = useState('');
  const [templateValues, setTemplateValues] = useState<Record<string, string>>({});
  const template = templates?.find((item) => item.id === templateId);

  function changeTemplate(id: string) {
    setTemplateId(id);
    setTemplateValues({});
    const next = templates?.find((item) => item.id === id);
    if (next) setPrompt(fillTemplate(next, {}));
    form.clear();
  }

  function changeTemplateValue(name: string, value: string) {
    const values = { ...templateValues, [name]: value };
    setTemplateValues(values);
    if (template) setPrompt(fillTemplate(template, values));
    if (form.errors.fields[`template-${name}`] || form.errors.fields.prompt) form.clear();
  }

  function editPrompt(value: string) {
    setPrompt(value);
    if (form.errors.fields.prompt) form.clear();
  }

  /** A whole prompt from elsewhere (another image, "Surprise me"): any template is let go of. */
  function replacePrompt(value: string) {
    setTemplateId('');
    setTemplateValues({});
    setPrompt(value.slice(0, MAX_PROMPT));
    form.clear();
  }

  /** Blanks of the template left unfilled, then the prompt's own rules. */
  function problems(): FieldErrors {
    const invalid: FieldErrors = {};
    if (template) {
      for (const name of unfilledVariables(template, prompt)) {
        invalid[`template-${name}`] = `Fill in the ${titleCase(name).toLowerCase()}, or edit the prompt yourself.`;
      }
    }
    if (!prompt.trim()) invalid.prompt = 'Describe the image you want.';
    else if (prompt.length > MAX_PROMPT) invalid.prompt = `The prompt is at most ${formatNumber(MAX_PROMPT)} characters.`;
    return invalid;
  }

  return { prompt, template, templateValues, changeTemplate, changeTemplateValue, editPrompt, replacePrompt, problems };
}
