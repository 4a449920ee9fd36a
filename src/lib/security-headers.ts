/*
 * The security headers every response but static files carries (docs/security.md). src/proxy.ts puts them on
 * pages and API answers; the routes it skips (its matcher: the provider webhooks, which take hundreds of requests a
 * second and answer only the provider) put them on their own answers through routeHandler.
 */

/**
 * The paths src/proxy.ts does not run for (its matcher, which Next.js reads as a literal, spells the same prefix):
 * routeHandler gives the answers of a route under it their request id and headers itself.
 */
export const UNPROXIED_PREFIX = "/api/webhooks/";

export const isHttps = () => (process.env.APP_URL ?? "").startsWith("https://");

/** API answers are data, never documents: nothing may load from them or frame them. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(): Record<string, string> {
  return {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // Sign-in links carry their token in the URL: never send a URL of the CRM to anyone.
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    ...(isHttps() ? { "strict-transport-security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
