import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import type { User } from '../api';
import { usePageTitle } from '../hooks';
import { RequireAdmin } from './RequireAdmin';
import '../admin.css';

const SECTIONS = [
  { href: '/admin', label: 'Users' },
  { href: '/admin/models', label: 'Models' },
  { href: '/admin/pricing', label: 'Pricing & settings' },
  { href: '/admin/catalog', label: 'Presets & templates' },
  { href: '/admin/packs', label: 'Credit packs' },
  { href: '/admin/reports', label: 'Reports' },
  { href: '/admin/metrics', label: 'Metrics' },
  { href: '/admin/audit', label: 'Audit log' },
] as const;

/** Every admin page: the admin guard, the section links and the page's own heading. */
export function AdminShell({ title, children }: { title: string; children: (user: User) => ComponentChildren }) {
  usePageTitle(`${title} · Admin`);
  const { path } = useLocation();
  return (
    <RequireAdmin>
      {(user) => (
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
        </div>
      )}
    </RequireAdmin>
  );
}
