import { type NextRequest, NextResponse } from "next/server";
import { API_POLICY, isHttps, securityHeaders } from "@/lib/security-headers";

/*
 * Runs before every request but static assets and the provider webhooks (UNPROXIED_PREFIX: they take hundreds of
 * requests a second, and routeHandler sets the same headers on their answers): gives it an id (the
 * x-request-id header, in the log and in any "something went wrong"
 * message) and gives every response its security headers. Pages get a
 * Content-Security-Policy with a fresh nonce: Next.js puts it on its own
 * scripts, so no other script runs, including in the sandboxed template and
 * email previews (a srcdoc frame inherits the page's policy).
 */

const dev = process.env.NODE_ENV === "development";

function pagePolicy(nonce: string) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes (charts, emails in previews) need 'unsafe-inline'; a nonce here would switch it off.
    "style-src 'self' 'unsafe-inline'",
    // Email previews show the images a template links to.
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(isHttps() ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export function proxy(request: NextRequest) {
  const requestId = crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);
  const api = request.nextUrl.pathname.startsWith("/api/");
  let policy = API_POLICY;
  if (!api) {
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
    policy = pagePolicy(nonce);
    // Next.js reads the nonce from the request's policy header and puts it on its scripts.
    headers.set("content-security-policy", policy);
    headers.set("x-nonce", nonce);
  }
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  response.headers.set("x-request-id", requestId);
  for (const [name, value] of Object.entries(securityHeaders())) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/webhooks/).*)"],
};
