import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into web/dist, which `agora serve` serves at /; in development the API runs beside it.
export default defineConfig({
  root: 'web',
  plugins: [react()],
  // ECharts is the bulk of a chart page (about 210 kB gzipped), loaded with the first page that draws one.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:4400' } },
});
