import http from "node:http";
import https from "node:https";
import webpush from "web-push";
import type { PushSender, TPushOptions, TPushOutcome, TPushTarget } from "./types";

/** A VAPID JWT is valid for 12 hours; one per push service is signed and reused for an hour. */
const JWT_LIFETIME_S = 12 * 3600;
const JWT_REUSE_MS = 3600_000;

/**
 * Web Push through the `web-push` library: it encrypts the payload for the
 * subscriber (RFC 8291, aes128gcm) and builds the request; this sends it
 * over kept-alive connections (node:https; plain http only for a loopback
 * test service the allow-list names), with a timeout and no redirects
 * followed, and classifies the answer. The VAPID header (RFC 8292) is signed once per push
 * service and reused while it is fresh, as browsers' push services expect.
 */
export function createWebPushSender(config: {
  publicKey: string;
  privateKey: string;
  subject: string;
  timeoutMs?: number;
  /** The allow-list check (push-endpoints.ts); an endpoint it refuses is never contacted. */
  allowEndpoint?: (endpoint: string) => string | null;
  now?: () => number;
}): PushSender {
  const now = config.now ?? Date.now;
  const vapid = new Map<string, { header: string; signedAt: number }>();
  const authorization = (endpoint: string) => {
    const audience = new URL(endpoint).origin;
    const cached = vapid.get(audience);
    if (cached && now() - cached.signedAt < JWT_REUSE_MS) return cached.header;
    const { Authorization } = webpush.getVapidHeaders(
      audience,
      config.subject,
      config.publicKey,
      config.privateKey,
      "aes128gcm",
      Math.floor(now() / 1000) + JWT_LIFETIME_S,
    ) as { Authorization: string };
    vapid.set(audience, { header: Authorization, signedAt: now() });
    return Authorization;
  };

  return {
    configured: true,
    publicKey: config.publicKey,
    async send(to: TPushTarget, payload: string, options: TPushOptions): Promise<TPushOutcome> {
      const refused = config.allowEndpoint?.(to.endpoint);
      if (refused) return { kind: "rejected", status: null, error: refused };
      let request: ReturnType<typeof webpush.generateRequestDetails>;
      try {
        request = webpush.generateRequestDetails({ endpoint: to.endpoint, keys: { p256dh: to.p256dh, auth: to.auth } }, payload, {
          // null (not undefined): the library adds no VAPID header of its own; ours, signed once per service, is in headers.
          vapidDetails: null as unknown as undefined,
          TTL: options.ttlSeconds,
          urgency: options.urgency,
          ...(options.topic ? { topic: options.topic } : {}),
          contentEncoding: "aes128gcm",
          headers: { Authorization: authorization(to.endpoint) },
        });
      } catch (err) {
        // A subscription whose keys do not encrypt (not a P-256 point, a short auth secret).
        return { kind: "rejected", status: null, error: `Could not encrypt for this subscription: ${(err as Error).message}` };
      }
      let res: { status: number; text: string; retryAfter: string | null };
      try {
        res = await post(
          request.endpoint,
          request.headers as Record<string, string | number>,
          request.body ?? null,
          config.timeoutMs ?? 15_000,
        );
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return { kind: "retry", status: null, error: `Push service unreachable: ${e.code ?? e.message}` };
      }
      const text = res.text.slice(0, 300);
      const { status } = res;
      if (status >= 200 && status < 300) return { kind: "accepted", status };
      const detail = text ? `: ${text.replace(/\s+/g, " ").trim()}` : "";
      if (status === 404 || status === 410) return { kind: "gone", status, error: `Subscription gone (${status})${detail}` };
      if (status === 429 || status >= 500) {
        return {
          kind: "retry",
          status,
          error: `Push service answered ${status}${detail}`,
          retryAfterMs: retryAfterMs(res.retryAfter, now()),
        };
      }
      if (status === 413) return { kind: "rejected", status, error: "Payload too large for the push service (413)" };
      return { kind: "rejected", status, error: `Push service refused the message (${status})${detail}` };
    },
  };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), at most an hour; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), 3600_000);
}

/** Kept-alive connections per push service: a campaign's pushes reuse them. */
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/** One POST, its status, body (first 1,000 bytes) and Retry-After; rejects on a network error or timeout. */
function post(
  endpoint: string,
  headers: Record<string, string | number>,
  body: Buffer | null,
  timeoutMs: number,
): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const url = new URL(endpoint);
  const secure = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      { method: "POST", headers, agent: secure ? agents.https : agents.http, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < 1000) chunks.push(c);
          size += c.length;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8").slice(0, 1000),
            retryAfter: (res.headers["retry-after"] as string | undefined) ?? null,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}
