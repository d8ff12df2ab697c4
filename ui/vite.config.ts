/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { xtermFrozenPrototype } from './vite-plugins/xtermFrozenPrototype';

// Tauri serves `dist/` from its own protocol, and the dev server must sit on the port that
// `build.devUrl` in tauri.conf.json names.
export default defineConfig(({ mode }) => ({
  plugins: [svelte(), xtermFrozenPrototype()],
  // Pre-bundled dependencies skip plugins, and xterm.js needs the patch above.
  optimizeDeps: { exclude: ['@xterm/xterm'] },
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Tauri renders with WebKit on macOS and Linux, so target Safari-level syntax support.
    target: 'safari15',
    // Emit assets as files, never as data: URIs, so the CSP needs no `data:` source.
    assetsInlineLimit: 0,
  },
  // Component tests mount Svelte in jsdom, which needs Svelte's browser build, not the server one.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'node',
    globals: true,
    include: ['src/**/*.test.ts'],
  },
}));
