import { z } from "zod";

/*
 * Push inputs, browser-safe: the main app's subscription body (docs/api.md)
 * and the limits of a push notification's content.
 */

/** A title and body a notification shows in full on every platform; the encrypted message stays under 4 KB (RFC 8291). */
export const PUSH_TITLE_MAX = 100;
export const PUSH_BODY_MAX = 500;
export const PUSH_URL_MAX = 2000;
export const PUSH_ICON_MAX = 500;

const base64url = (bytes: number, what: string) =>
  z
    .string(`${what} is missing`)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .transform((s) => s.replace(/=+$/, ""))
    // Unpadded base64url of n bytes is ceil(4n/3) characters.
    .refine((s) => s.length === Math.ceil((bytes * 4) / 3), `${what} must be ${bytes} bytes (base64url)`);

/**
 * The browser's PushSubscription.toJSON(), as the main app passes it on:
 * endpoint, keys.p256dh (the P-256 public key, 65 bytes) and keys.auth (16
 * bytes). expirationTime and a user agent are optional.
 */
export const ZPushSubscriptionBody = z.object({
  endpoint: z
    .url({ protocol: /^https?$/, error: "endpoint must be the subscription's https:// URL" })
    .max(2048, "endpoint is longer than 2,048 characters"),
  expirationTime: z.number().nullable().optional(),
  keys: z.object(
    {
      p256dh: base64url(65, "keys.p256dh").refine((s) => s.startsWith("B"), "keys.p256dh must be an uncompressed P-256 point"),
      auth: base64url(16, "keys.auth"),
    },
    "keys is missing: send PushSubscription.toJSON()",
  ),
  userAgent: z.string().max(300, "userAgent is longer than 300 characters").optional(),
});
export type TPushSubscriptionBody = z.input<typeof ZPushSubscriptionBody>;

export const ZPushContent = z.object({
  title: z.string().trim().min(1, "Give the notification a title").max(PUSH_TITLE_MAX, `At most ${PUSH_TITLE_MAX} characters`),
  body: z.string().trim().min(1, "Write the notification's text").max(PUSH_BODY_MAX, `At most ${PUSH_BODY_MAX} characters`),
  /** Where a click leads: a path on the main app (/intensive) or an absolute URL on an allowed origin. */
  url: z.string().trim().min(1, "Say where a click leads").max(PUSH_URL_MAX, `At most ${PUSH_URL_MAX} characters`),
  icon: z.string().trim().max(PUSH_ICON_MAX, `At most ${PUSH_ICON_MAX} characters`).optional(),
});
