// Builds the web UI that the pipegrid binary embeds (ui/CMakeLists.txt runs
// `npm run build -- --outDir <build dir>`). The server answers "/" with
// index.html and "/assets/<file>" with the hashed files below, cached for a
// year; its Content-Security-Policy allows only same-origin scripts, so
// nothing here may be inlined into index.html or loaded from another host.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `npm run dev` proxies the API to a running `pipegrid up` (default :8080).
const apiTarget = process.env.PIPEGRID_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [svelte()],
  base: '/',
  build: {
    assetsDir: 'assets',
    emptyOutDir: true,
    // The browsers that run Svelte 5; older ones are not supported.
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/metrics': apiTarget,
      '/healthz': apiTarget,
      '/readyz': apiTarget,
    },
  },
});
