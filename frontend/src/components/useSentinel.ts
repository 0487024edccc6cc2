import { useEffect, useRef } from 'preact/hooks';

/**
 * Calls `onNear` whenever the element comes within `margin` of the viewport while `enabled`: the trigger of an
 * infinite list, placed on the space reserved for the next page.
 */
export function useSentinel<T extends Element>(onNear: () => void, enabled: boolean, margin = '800px') {
  const ref = useRef<T>(null);
  const callback = useRef(onNear);
  callback.current = onNear;
  useEffect(() => {
    const element = ref.current;
    if (!enabled || !element || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) callback.current();
      },
      { rootMargin: margin },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [enabled, margin]);
  return ref;
}
