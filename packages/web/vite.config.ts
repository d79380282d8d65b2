import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// In development the portal runs on :8080 and serves the API; the browser talks
// to Vite, which forwards API calls (including the terminal WebSocket and the
// SSE stream) so that cookies stay same-origin.
const portal = process.env.PADDOCK_PORTAL_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist', emptyOutDir: true, sourcemap: true,
    rolldownOptions: {
      output: {
        // zod and its configuration in one chunk of their own: the chunk runs whole before any schema
        // elsewhere is defined, so zod is told not to probe for eval (forbidden by the portal's CSP)
        // before its first probe, wherever the splitting puts the schemas (src/zodConfig.ts).
        codeSplitting: { groups: [{ name: 'zod', test: /node_modules[\\/]zod[\\/]|[\\/]src[\\/]zodConfig\.ts$/ }] },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: portal, ws: true, changeOrigin: false },
      '/healthz': { target: portal },
    },
  },
});
