import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

// In production the API shares the origin under /v1; during `npm run dev` it is the local stack of `make dev`.
const apiOrigin = 'http://localhost:8000';

/**
 * A preload of Inter's Latin subset in index.html: the text is laid out in the real font from the start, so no swap
 * moves it later. Only that subset: the others load when a page has text that needs them.
 */
function preloadLatinFont(): Plugin {
  return {
    name: 'pixmint-preload-latin-font',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const file = Object.keys(context.bundle ?? {}).find((name) => /inter-latin-wght-normal[^/]*\.woff2$/.test(name));
        if (!file) return [];
        return [
          {
            tag: 'link',
            attrs: { rel: 'preload', href: `/${file}`, as: 'font', type: 'font/woff2', crossorigin: '' },
            injectTo: 'head',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  plugins: [preact(), preloadLatinFont()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The status page is a page of its own (it must load while the API is down), not a route of the app.
    rollupOptions: { input: { main: 'index.html', status: 'status.html' } },
    target: 'es2022',
    // Modern browsers support modulepreload natively; the polyfill only adds bytes.
    modulePreload: { polyfill: false },
  },
  server: {
    // The changelog page imports ../CHANGELOG.md, outside this folder.
    fs: { allow: ['..'] },
    // /_dev serves the local stack's test checkout page and outbox.
    proxy: { '/v1': { target: apiOrigin, changeOrigin: true }, '/_dev': { target: apiOrigin, changeOrigin: true } },
  },
  preview: {
    proxy: { '/v1': { target: apiOrigin, changeOrigin: true } },
  },
});
