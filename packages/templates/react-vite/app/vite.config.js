import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// node_modules is read-only here (provided by the platform), so Vite's cache lives beside the app.
export default defineConfig({
  plugins: [react()],
  cacheDir: '.vite-cache',
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
