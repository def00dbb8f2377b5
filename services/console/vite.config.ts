import { defineConfig } from "vite";

// Served by the API under /console (services/api/src/console/serve.ts). No plugin is
// needed: Vite compiles TSX itself; fast refresh is not worth a dependency here.
export default defineConfig({
  base: "/console/",
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The polyfill would be an extra script; every browser we support has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      onwarn(warning, warn) {
        // React Query marks its modules "use client" (for server components); meaningless here.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: { proxy: { "/api": "http://localhost:3000" } },
});
