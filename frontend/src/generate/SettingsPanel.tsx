import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useInertOutside, useMediaQuery } from '../hooks';

/** Below this width the settings are a sheet that slides up over the page, opened from the prompt bar. */
export const SHEET_QUERY = '(max-width: 55.99rem)';

interface SettingsPanelProps {
  id: string;
  open: boolean;
  onClose: () => void;
  /** The button that opens the sheet: focus goes back to it when the sheet closes. */
  toggleId: string;
  children: ComponentChildren;
}

/**
 * The Generate settings: a column beside the results on wide screens; on phones a modal sheet (the rest of the
 * page inert, Escape, Done or a tap on the dimmed page closes it, and focus goes back to the Settings button).
 */
export function SettingsPanel({ id, open, onClose, toggleId, children }: SettingsPanelProps) {
  const sheet = useMediaQuery(SHEET_QUERY);
  const panel = useRef<HTMLDivElement>(null);
  const modal = sheet && open;
  const wasModal = useRef(false);
  useInertOutside(panel, modal, (node) => node.classList.contains('sheet-backdrop'));

  useEffect(() => {
    if (modal) {
      panel.current?.focus();
      document.documentElement.classList.add('has-sheet');
    } else if (wasModal.current) {
      document.getElementById(toggleId)?.focus();
    }
    wasModal.current = modal;
    if (!modal) document.documentElement.classList.remove('has-sheet');
  }, [modal]);
  useEffect(() => () => document.documentElement.classList.remove('has-sheet'), []);

  return (
    <>
      {modal && <div class="sheet-backdrop" aria-hidden="true" onClick={onClose} />}
      <div
        id={id}
        ref={panel}
        class={open ? 'studio-panel is-open' : 'studio-panel'}
        role={modal ? 'dialog' : 'region'}
        aria-modal={modal ? 'true' : undefined}
        aria-labelledby="settings-title"
        tabIndex={modal ? -1 : undefined}
        onKeyDown={(event) => {
          if (modal && event.key === 'Escape') {
            event.preventDefault();
            onClose();
          }
        }}
        data-testid="settings-panel"
      >
        <div class="panel-head">
          <h2 id="settings-title">Settings</h2>
          {sheet && (
            <button type="button" class="btn btn-primary btn-small" onClick={onClose} data-testid="settings-done">
              Done
            </button>
          )}
        </div>
        <div class="panel-body">{children}</div>
      </div>
    </>
  );
}
