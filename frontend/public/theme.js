// Runs before the first paint (a blocking script in <head>; the CSP allows no inline one): the saved theme, or the
// system's, as <html data-theme>, so a dark page never flashes white. src/theme.ts keeps it up to date afterwards.
(function () {
  var saved = null;
  try {
    saved = localStorage.getItem('pixmint.theme');
  } catch (e) {
    // Storage blocked: follow the system.
  }
  var dark = saved === 'dark' || (saved !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
  var color = document.querySelector('meta[name="theme-color"]');
  if (color) color.setAttribute('content', dark ? '#0f1117' : '#ffffff');
})();
