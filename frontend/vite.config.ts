import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// In production the API shares the origin under /v1; during `npm run dev` it is the local stack of `make dev`.
const apiOrigin = 'http://localhost:8000';

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Modern browsers support modulepreload natively; the polyfill only adds bytes.
    modulePreload: { polyfill: false },
  },
  server: {
    // /_dev serves the local stack's test checkout page and outbox.
    proxy: { '/v1': { target: apiOrigin, changeOrigin: true }, '/_dev': { target: apiOrigin, changeOrigin: true } },
  },
  preview: {
    proxy: { '/v1': { target: apiOrigin, changeOrigin: true } },
  },
});
