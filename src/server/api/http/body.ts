import { BodyTooLargeError } from "./errors";

/**
 * The body as text, refusing anything over `maxBytes` before it is read
 * (Content-Length) or as soon as the stream passes it (chunked bodies): an
 * oversized request costs neither memory nor a database round trip.
 */
export async function readBoundedText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The request's id, set by the proxy (src/proxy.ts) on every request; a fresh one when it is missing. */
export function requestIdOf(request: Request): string {
  const id = request.headers.get("x-request-id");
  return id && /^[A-Za-z0-9-]{8,64}$/.test(id) ? id : crypto.randomUUID();
}
