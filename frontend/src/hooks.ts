import { useEffect } from 'preact/hooks';

export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} · Pixmint` : 'Pixmint — AI images, pay as you go';
  }, [title]);
}
