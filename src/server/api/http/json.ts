/** Next.js's own threshold: it leaves bodies under 1 KB uncompressed when it knows their length. */
const COMPRESS_FROM_BYTES = 1024;

/**
 * A JSON answer. Next.js drops a route's Content-Length and so compresses every answer, however small: each
 * `{ ok: true }` to a webhook or 401 started a gzip stream of its own, an eighth of the server's time under webhook
 * load. An answer under 1 KB says `no-transform` (the compression honours it, as a proxy must), so it goes as it is;
 * larger ones are still compressed.
 */
export function jsonResponse(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const text = JSON.stringify(body) as string | undefined;
  if (text === undefined) throw new TypeError("The answer is not JSON-serializable");
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  if (Buffer.byteLength(text) < COMPRESS_FROM_BYTES) {
    const cache = headers.get("cache-control");
    headers.set("cache-control", cache ? `${cache}, no-transform` : "no-transform");
  }
  return new Response(text, { status: init.status ?? 200, headers });
}
