import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import './Toast.css';

const SHOW_MS = 6_000;

/** A short success message; shown and announced politely, then gone after a few seconds. */
export function useToast(initial: string | null = null) {
  const [message, setMessage] = useState<{ text: string; id: number } | null>(null);
  const counter = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const show = useCallback((text: string) => {
    clearTimeout(timer.current);
    counter.current += 1;
    setMessage({ text, id: counter.current });
    timer.current = setTimeout(() => setMessage(null), SHOW_MS);
  }, []);
  const hide = useCallback(() => {
    clearTimeout(timer.current);
    setMessage(null);
  }, []);

  useEffect(() => {
    // Announce a message handed over from the previous page once the live region is in place.
    if (initial) {
      const start = setTimeout(() => show(initial), 100);
      return () => clearTimeout(start);
    }
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);

  return { message, show, hide };
}

/** The live region is always rendered, so screen readers notice each new message. */
export function Toast({ message, onDismiss }: { message: { text: string; id: number } | null; onDismiss: () => void }) {
  return (
    <div class="toast-region" role="status" aria-live="polite" aria-atomic="true">
      {message && (
        <p class="toast" key={message.id} data-testid="toast">
          <span>{message.text}</span>
          <button type="button" class="toast-close" onClick={onDismiss} aria-label="Dismiss message">
            <span aria-hidden="true">×</span>
          </button>
        </p>
      )}
    </div>
  );
}
