import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Opens a <dialog> as modal while `open` (focus inside it on `initialFocus` or the returned cancel button, kept
 * there by showModal), closes it when not, and gives focus back to whatever opened it; closed on unmount too.
 */
export function useModalDialog(open: boolean, initialFocus?: RefObject<HTMLElement | null>) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
      (initialFocus?.current ?? cancel.current)?.focus();
    } else if (!open && element.open) {
      element.close();
      if (opener.current?.isConnected) opener.current.focus();
      opener.current = null;
    }
  }, [open]);

  // Closed while unmounting (e.g. the page moved on): release the modal state.
  useEffect(() => () => dialog.current?.close(), []);

  return { dialog, cancel };
}
