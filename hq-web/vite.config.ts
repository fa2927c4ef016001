// Vite builds the command-centre page into hq-web/dist, which patrol-hq embeds and serves at `/`.
// Everything is bundled: no CDN, no remote fonts, nothing fetched at run time. `../ui/src` is
// shared (i18n terms, local days), so the dev server may read it.
//
// `npm run dev` proxies /api to a running HQ (HQ_URL, default http://127.0.0.1:8790); until HQ
// has cookie sessions, HQ_DEV_TOKEN is sent as a Bearer token by the proxy (never by the page).
import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};
/** XML namespaces are names, not addresses: the only URLs allowed in the bundle. */
const NAMESPACES = /^http:\/\/www\.w3\.org\//;

/**
 * Nothing in the bundle may name a remote address. Leaflet's attribution prefix does, in text
 * the page never shows (the control is off): it is blanked at build time, and the build fails
 * if any other URL remains.
 */
function noExternalUrls(): Plugin {
  return {
    name: 'hq-web:no-external-urls',
    transform(code, id) {
      if (/[\\/]leaflet[\\/]dist[\\/]leaflet-src\.js$/.test(id))
        return code.replace('<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">', '<a>');
      return undefined;
    },
    generateBundle(_, bundle) {
      for (const [name, out] of Object.entries(bundle)) {
        const text = out.type === 'chunk' ? out.code : typeof out.source === 'string' ? out.source : '';
        const urls = (text.match(/https?:\/\/[^\s"'`)<>]+/g) ?? []).filter((u) => !NAMESPACES.test(u));
        if (urls.length) this.error(`${name} names external URLs: ${[...new Set(urls)].join(', ')}`);
      }
    },
  };
}

const hq = process.env.HQ_URL ?? 'http://127.0.0.1:8790';
const devToken = process.env.HQ_DEV_TOKEN;

export default defineConfig({
  base: '/',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [noExternalUrls()],
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port: 5174,
    strictPort: true,
    fs: { allow: ['.', '../ui/src'] },
    proxy: {
      '/api': {
        target: hq,
        changeOrigin: true,
        headers: devToken ? { authorization: `Bearer ${devToken}` } : {},
      },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    // The polyfill would be the only script not coming from a file we ship.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: process.env.HQ_WEB_SOURCEMAP === "1",
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
});
