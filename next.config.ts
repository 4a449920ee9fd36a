import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules at
  // run time, not bundled; postgres-js is kept external for the same reason.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "pino"],
  poweredByHeader: false,
  // Self-hosting (docs/deploy.md): .next/standalone holds a server.js with only the files it needs.
  output: "standalone",
  // The migrations are read from disk at start (drizzle/), so they travel with the server.
  outputFileTracingIncludes: { "/**": ["./drizzle/**/*"] },
  typedRoutes: false,
  devIndicators: false,
  // The dev server serves http://127.0.0.1:3000 as well as localhost (its live reload would otherwise be refused).
  allowedDevOrigins: ["127.0.0.1"],
  // Everything else gets its security headers from src/proxy.ts (per request: request id, CSP nonce, HSTS).
  async headers() {
    return [
      {
        source: "/_next/static/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};

export default nextConfig;
