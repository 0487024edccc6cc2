import { adminApi } from '../../admin';
import { AdminShell } from '../../components/AdminShell';
import { CatalogEditor } from '../../components/CatalogEditor';
import { Toast, useToast } from '../../components/Toast';
import { formatCredits, formatMoney } from '../../format';

const yesNo = (value: unknown) => (value ? 'Yes' : 'No');

export function AdminPlans() {
  return <AdminShell title="Plans">{() => <PlansContent />}</AdminShell>;
}

function PlansContent() {
  const toast = useToast();
  return (
    <>
      <h1 class="page-title">Subscription plans</h1>
      <p class="muted">
        A new price or allowance applies to checkouts and invoices from now on; subscribers keep the price Stripe
        has for them until they switch. A plan's interval is fixed once made: make a new plan and retire the old one.
      </p>
      <CatalogEditor
        kind="plan"
        title="Plans"
        noun="plan"
        caption="Every plan, on sale or not, in the order users see them"
        idPattern={/^[a-z0-9][a-z0-9-]{0,62}$/}
        idRule="The id is lowercase letters, digits or -, e.g. studio-monthly."
        fields={[
          { name: 'name', label: 'Name', kind: 'text' },
          { name: 'interval', label: 'Billed every', kind: 'choice', options: ['month', 'year'] },
          { name: 'amount_cents', label: 'Price (USD)', kind: 'usd', hint: 'Per interval, in dollars.', show: (value) => formatMoney(Number(value)) },
          { name: 'monthly_credits', label: 'Credits each month', kind: 'int', show: (value) => formatCredits(Number(value)) },
          { name: 'pack_discount_percent', label: 'Pack discount (%)', kind: 'int', min: 0, optional: true, hint: '0 to 90.' },
          { name: 'parallel_generations', label: 'Parallel generations', kind: 'int', optional: true, hint: '1 to 16.' },
          { name: 'queue_priority', label: 'Priority in the queue', kind: 'flag', show: yesNo },
          { name: 'premium_models', label: 'Premium models', kind: 'flag', show: yesNo },
          { name: 'active', label: 'On sale', kind: 'flag', show: yesNo, listOnly: true },
        ]}
        load={(signal) =>
          adminApi.plans(signal).then((page) => ({ items: page.items.map(({ perks, ...plan }) => ({ ...plan, ...perks })) }))
        }
        save={(id, values) => adminApi.upsertPlan(id, values as never).then(() => undefined)}
        onSaved={toast.show}
      />
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}
