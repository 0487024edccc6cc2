import type { ComponentChildren } from 'preact';
import type { User } from '../api';
import { RequireAuth } from './RequireAuth';

/** Renders its children for a signed-in admin; anyone else signed in is told the page is not for them. */
export function RequireAdmin({ children }: { children: (user: User) => ComponentChildren }) {
  return (
    <RequireAuth>
      {(user) =>
        user.role === 'admin' ? (
          children(user)
        ) : (
          <div class="not-allowed" data-testid="admin-not-allowed">
            <h1 class="page-title">Not allowed</h1>
            <p>This area is for Pixmint administrators. Your account can't open it.</p>
            <p>
              <a href="/dashboard">Back to your dashboard</a>
            </p>
          </div>
        )
      }
    </RequireAuth>
  );
}
