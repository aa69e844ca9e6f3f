import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { bundleReport } from './scripts/bundle-report-plugin.ts';

/** `npm run dev:web` proxies the API to a platform started with `npm start` (or API_URL). */
const apiTarget = process.env['API_URL'] ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react(), bundleReport()],
  server: {
    port: 5173,
    proxy: { '/api': apiTarget, '/.well-known': apiTarget },
  },
  build: {
    target: 'es2022',
    // Sizes are measured by bundle-report-plugin (gzip and brotli files are written anyway).
    reportCompressedSize: false,
    assetsInlineLimit: 0,
    // Brotli at quality 11 makes the report plugin "slow" (a second or two): expected, not news.
    rollupOptions: { checks: { pluginTimings: false } },
  },
});
