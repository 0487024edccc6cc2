export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="#5b21b6" />
      <path d="M9 23V9h7.5a4.5 4.5 0 0 1 0 9H13v5z" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round" />
      <circle cx="23.5" cy="22.5" r="2.5" fill="#34d399" />
    </svg>
  );
}
