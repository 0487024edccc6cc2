import { THEME_CHOICES, type ThemeChoice, useTheme } from '../theme';
import './ThemeSwitch.css';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };
const ICONS: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

/** System, light or dark: a radio group drawn as a segmented switch, remembered in localStorage. */
export function ThemeSwitch() {
  const [choice, choose] = useTheme();
  return (
    <fieldset class="theme-switch" data-testid="theme-switch">
      <legend>Theme</legend>
      <div class="theme-options">
        {THEME_CHOICES.map((value) => (
          <label key={value} class="theme-option">
            <input
              type="radio"
              name="theme"
              value={value}
              checked={choice === value}
              onChange={() => choose(value)}
            />
            <span aria-hidden="true" class="theme-icon">
              {ICONS[value]}
            </span>
            <span>{LABELS[value]}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
