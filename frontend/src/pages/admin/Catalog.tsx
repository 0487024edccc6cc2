import { api } from '../../api';
import { adminApi } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { CatalogEditor } from '../../components/CatalogEditor';
import { Toast, useToast } from '../../components/Toast';

export function AdminCatalog() {
  return <AdminShell title="Presets & templates">{() => <CatalogContent />}</AdminShell>;
}

function CatalogContent() {
  const toast = useToast();
  return (
    <>
      <h1 class="page-title">Presets & templates</h1>
      <p class="muted">Inactive items are not listed here: save one again with its id to change or reactivate it.</p>
      <CatalogEditor
        kind="preset"
        title="Style presets"
        noun="style preset"
        fields={[
          { name: 'label', label: 'Label', kind: 'text' },
          { name: 'prompt_suffix', label: 'Prompt suffix', kind: 'textarea', hint: 'Added to the end of the prompt.' },
        ]}
        load={(signal) => api.stylePresets(signal) as unknown as Promise<{ items: Record<string, unknown>[] }>}
        save={(id, values) => adminApi.upsertStylePreset(id, values as never)}
        onSaved={toast.show}
      />
      <CatalogEditor
        kind="template"
        title="Prompt templates"
        noun="prompt template"
        fields={[
          { name: 'label', label: 'Label', kind: 'text' },
          {
            name: 'template',
            label: 'Template',
            kind: 'textarea',
            hint: 'Name each blank in braces, e.g. “A portrait of {subject} in {setting}”.',
          },
        ]}
        load={(signal) => api.promptTemplates(signal) as unknown as Promise<{ items: Record<string, unknown>[] }>}
        save={(id, values) => adminApi.upsertPromptTemplate(id, values as never)}
        onSaved={toast.show}
      />
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}
