import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// In development the portal runs on :8080 and serves the API; the browser talks
// to Vite, which forwards API calls (including the terminal WebSocket and the
// SSE stream) so that cookies stay same-origin.
const portal = process.env.PADDOCK_PORTAL_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target: portal, ws: true, changeOrigin: false },
      '/healthz': { target: portal },
    },
  },
});
