import { useEffect, useState } from 'preact/hooks';

/** The reader's choice; "system" follows prefers-color-scheme, now and when it changes. */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
// public/theme.js reads the same key before the first paint.
const THEME_KEY = 'pixmint.theme';
const systemDark = matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<(choice: ThemeChoice) => void>();

export function savedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function apply(choice: ThemeChoice): void {
  const dark = choice === 'dark' || (choice === 'system' && systemDark.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', dark ? '#0f1117' : '#ffffff');
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Not remembered, but applied to this page.
  }
  apply(choice);
  listeners.forEach((listener) => listener(choice));
}

/** Applies the saved theme and follows the system's while the choice is "system"; also across tabs. */
export function startTheme(): void {
  apply(savedTheme());
  systemDark.addEventListener('change', () => apply(savedTheme()));
  addEventListener('storage', (event) => {
    if (event.key !== THEME_KEY && event.key !== null) return;
    const choice = savedTheme();
    apply(choice);
    listeners.forEach((listener) => listener(choice));
  });
}

export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState(savedTheme);
  useEffect(() => {
    listeners.add(setChoice);
    return () => void listeners.delete(setChoice);
  }, []);
  return [choice, setTheme];
}
