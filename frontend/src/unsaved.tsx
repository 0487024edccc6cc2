import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ConfirmDialog } from './components/ConfirmDialog';

/**
 * Unsaved changes on the admin forms: while any form says it is dirty, closing or reloading the tab asks first
 * (beforeunload), and so does leaving for another page of the app (a link or Back), in the app's own dialog.
 */
const dirtyForms = new Set<symbol>();

function onBeforeUnload(event: BeforeUnloadEvent) {
  event.preventDefault();
  // Older Chromium asks only when returnValue is set.
  event.returnValue = '';
}

function setDirty(form: symbol, dirty: boolean) {
  const before = dirtyForms.size;
  if (dirty) dirtyForms.add(form);
  else dirtyForms.delete(form);
  if (before === 0 && dirtyForms.size > 0) addEventListener('beforeunload', onBeforeUnload);
  if (before > 0 && dirtyForms.size === 0) removeEventListener('beforeunload', onBeforeUnload);
}

export function hasUnsavedChanges(): boolean {
  return dirtyForms.size > 0;
}

/** Leaving was confirmed: the forms are about to go, and nothing should ask again on the way. */
function forgetUnsavedChanges() {
  for (const form of [...dirtyForms]) setDirty(form, false);
}

/** Marks this form as holding unsaved changes while `dirty`; forgotten when the form goes away. */
export function useUnsavedChanges(dirty: boolean): void {
  const form = useRef(Symbol('form'));
  // In step with the render that shows the change, so no click right after typing slips past.
  useLayoutEffect(() => {
    setDirty(form.current, dirty);
  }, [dirty]);
  useLayoutEffect(() => () => setDirty(form.current, false), []);
}

const here = () => location.pathname + location.search;

/** The link a click would follow inside the app, as preact-iso's router decides it; null when it would not. */
function appLink(event: MouseEvent): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) {
    return null;
  }
  const link = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement && !!node.href);
  const href = link?.getAttribute('href') ?? '';
  if (!link || link.origin !== location.origin || href.startsWith('#') || !/^(_?self)?$/i.test(link.target) || link.download) {
    return null;
  }
  const url = link.href.replace(location.origin, '');
  return url.split('#')[0] === here() ? null : url;
}

function traverseTo(key: string) {
  const history: Navigation | undefined = (window as { navigation?: Navigation }).navigation;
  history?.traverseTo(key).finished?.catch(() => undefined);
}

/** Where the app was about to go: a link's address, or a history entry (Back, Forward) to return to. */
type Destination = { url: string } | { key: string };

/**
 * Asks before the app moves on while a form is dirty. Rendered once by the admin shell. A link is caught by a
 * capturing listener on the document, before the router's own on the window; Back and Forward by the Navigation
 * API's cancelable navigate event (popstate comes too late: the router has already moved). Where a browser has no
 * Navigation API, Back leaves without asking; closing or reloading the tab still asks.
 */
export function UnsavedChangesGuard() {
  const { route } = useLocation();
  const [pending, setPending] = useState<Destination | null>(null);

  useEffect(() => {
    function onClick(event: MouseEvent) {
      const url = hasUnsavedChanges() ? appLink(event) : null;
      if (url === null) return;
      event.preventDefault();
      event.stopPropagation();
      setPending({ url });
    }
    function onNavigate(event: NavigateEvent) {
      if (event.navigationType !== 'traverse' || !event.cancelable || !hasUnsavedChanges()) return;
      if (new URL(event.destination.url).origin !== location.origin) return;
      event.preventDefault();
      setPending({ key: event.destination.key });
    }
    const history: Navigation | undefined = (window as { navigation?: Navigation }).navigation;
    document.addEventListener('click', onClick, true);
    history?.addEventListener('navigate', onNavigate);
    return () => {
      document.removeEventListener('click', onClick, true);
      history?.removeEventListener('navigate', onNavigate);
    };
  }, []);

  if (pending === null) return null;
  return (
    <ConfirmDialog
      open
      title="Leave without saving?"
      confirmLabel="Leave without saving"
      onConfirm={() => {
        setPending(null);
        forgetUnsavedChanges();
        if ('url' in pending) route(pending.url);
        else traverseTo(pending.key);
      }}
      onCancel={() => setPending(null)}
      testId="unsaved-changes-dialog"
    >
      <p>This page has changes that are not saved yet. If you leave now, they are lost.</p>
    </ConfirmDialog>
  );
}
