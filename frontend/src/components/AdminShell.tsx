import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import type { User } from '../api';
import { useTwoFactorMissing } from '../admin';
import { usePageTitle } from '../hooks';
import { UnsavedChangesGuard } from '../unsaved';
import { RequireAdmin } from './RequireAdmin';
import '../admin.css';

const SECTIONS = [
  { href: '/admin', label: 'Users' },
  { href: '/admin/models', label: 'Models' },
  { href: '/admin/pricing', label: 'Pricing & settings' },
  { href: '/admin/catalog', label: 'Presets & templates' },
  { href: '/admin/packs', label: 'Credit packs' },
  { href: '/admin/plans', label: 'Plans' },
  { href: '/admin/reports', label: 'Reports' },
  { href: '/admin/metrics', label: 'Metrics' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/community-reports', label: 'Community reports' },
  { href: '/admin/support', label: 'Support' },
  { href: '/admin/status', label: 'Status page' },
  { href: '/admin/beta', label: 'Beta' },
  { href: '/admin/feedback', label: 'Feedback' },
] as const;

/** Every admin page: the admin guard, the section links, the page's own heading, and a word before unsaved changes are left. */
export function AdminShell({ title, children }: { title: string; children: (user: User) => ComponentChildren }) {
  usePageTitle(`${title} · Admin`);
  const { path } = useLocation();
  return <RequireAdmin>{(user) => <AdminArea path={path} user={user} children={children} />}</RequireAdmin>;
}

function AdminArea({ path, user, children }: { path: string; user: User; children: (user: User) => ComponentChildren }) {
  if (useTwoFactorMissing(user)) return <TwoFactorNeeded />;
  return (
    <div class="admin">
      <p class="eyebrow">Admin</p>
      <nav aria-label="Admin sections" class="admin-nav">
        <ul>
          {SECTIONS.map((section) => {
            const active = section.href === '/admin' ? path === '/admin' || path.startsWith('/admin/users') : path === section.href;
            return (
              <li key={section.href}>
                <a href={section.href} aria-current={active ? 'page' : undefined}>
                  {section.label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      {children(user)}
      <UnsavedChangesGuard />
    </div>
  );
}

/** Outside the local stage the admin API refuses admins without two-factor sign-in (403 two_factor_required). */
function TwoFactorNeeded() {
  return (
    <div class="admin not-allowed" data-testid="admin-needs-two-factor">
      <p class="eyebrow">Admin</p>
      <h1 class="page-title">Turn on two-factor sign-in</h1>
      <p>
        The admin pages need two-factor sign-in on your account, so that a stolen password alone can't reach them. Set it up
        in Settings with an authenticator app, then come back here.
      </p>
      <p>
        <a href="/settings#two-factor" class="btn btn-primary">
          Set up two-factor sign-in
        </a>
      </p>
    </div>
  );
}
