import { useRef } from 'preact/hooks';

const PRESS_MS = 450;
const SLOP_PX = 10;

/**
 * A long press with a finger (the touch stand-in for hovering): `onPress` after about half a second held still.
 * The click that ends a long press is swallowed (check `consumeClick`), and so is the browser's own menu.
 */
export function useLongPress(onPress: () => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const start = useRef<{ x: number; y: number } | null>(null);
  const fired = useRef(false);

  function cancel() {
    clearTimeout(timer.current);
    start.current = null;
  }

  return {
    handlers: {
      onPointerDown: (event: PointerEvent) => {
        if (event.pointerType !== 'touch') return;
        fired.current = false;
        start.current = { x: event.clientX, y: event.clientY };
        clearTimeout(timer.current);
        timer.current = setTimeout(() => {
          fired.current = true;
          onPress();
        }, PRESS_MS);
      },
      onPointerMove: (event: PointerEvent) => {
        const from = start.current;
        if (from && Math.hypot(event.clientX - from.x, event.clientY - from.y) > SLOP_PX) cancel();
      },
      onPointerUp: cancel,
      onPointerCancel: cancel,
      onContextMenu: (event: MouseEvent) => {
        if (start.current || fired.current) event.preventDefault();
      },
    },
    /** True (once) when this click ends a long press. */
    consumeClick: () => {
      const was = fired.current;
      fired.current = false;
      return was;
    },
  };
}
