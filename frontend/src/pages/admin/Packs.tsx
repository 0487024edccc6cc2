import { api } from '../../api';
import { adminApi } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { CatalogEditor } from '../../components/CatalogEditor';
import { Toast, useToast } from '../../components/Toast';
import { formatCredits, formatMoney } from '../../format';

export function AdminPacks() {
  return <AdminShell title="Credit packs">{() => <PacksContent />}</AdminShell>;
}

function PacksContent() {
  const toast = useToast();
  return (
    <>
      <h1 class="page-title">Credit packs</h1>
      <p class="muted">Packs cost $1 to $1,000. Inactive packs are not listed here: save one again with its id to reactivate it.</p>
      <CatalogEditor
        kind="pack"
        title="Packs on sale"
        noun="credit pack"
        fields={[
          { name: 'label', label: 'Label', kind: 'text' },
          { name: 'credits', label: 'Credits', kind: 'int', show: (value) => formatCredits(Number(value)) },
          { name: 'amount_cents', label: 'Price (USD)', kind: 'usd', hint: 'In dollars, e.g. 9.99.', show: (value) => formatMoney(Number(value)) },
        ]}
        load={(signal) => api.creditPacks(signal) as unknown as Promise<{ items: Record<string, unknown>[] }>}
        save={(id, values) => adminApi.upsertCreditPack(id, values as never)}
        onSaved={toast.show}
      />
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}
