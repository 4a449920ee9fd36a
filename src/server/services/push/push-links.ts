import { createHmac, timingSafeEqual } from "node:crypto";
import { env, pushLinkOrigins } from "@/lib/env";
import { authSecret } from "@/server/auth/secret";
import { InvalidInputError } from "../errors";

/*
 * A notification's click goes through the CRM (/api/push/click/<token>): the
 * click is recorded, then the browser is sent to the target. The token names
 * only the delivery and is signed, so it cannot be forged or pointed
 * elsewhere; the target is read from the database, never from the URL, and
 * must be on the main app's origin or PUSH_LINK_ORIGINS — never an open redirect.
 */

const sign = (payload: string, secret: string) => createHmac("sha256", `push-click:${secret}`).update(payload).digest("base64url");

export function clickToken(deliveryId: string): string {
  const id = deliveryId.replace(/-/g, "");
  return `${id}.${sign(id, authSecret()).slice(0, 32)}`;
}

/** The delivery id a token names, or null for anything not signed by us. */
export function verifyClickToken(token: string): string | null {
  const m = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const [, id, mac] = m as unknown as [string, string, string];
  const given = Buffer.from(mac);
  const secrets = [authSecret(), env().AUTH_SECRET_PREVIOUS].filter((x): x is string => Boolean(x));
  const ok = secrets.some((secret) => {
    const expected = Buffer.from(sign(id, secret).slice(0, 32));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return ok ? `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}` : null;
}

export const clickUrl = (deliveryId: string) => `${env().APP_URL.replace(/\/$/, "")}/api/push/click/${clickToken(deliveryId)}`;

/** Null when a notification may lead to `url`; else why not. */
export function pushTargetProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "Not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "Only http(s) links can be opened from a notification";
  if (parsed.username || parsed.password) return "The link must not carry credentials";
  const allowed = pushLinkOrigins();
  if (!allowed.includes(parsed.origin)) return `Notifications may only lead to ${allowed.join(", ")} (PUSH_LINK_ORIGINS adds others)`;
  return null;
}

/** A target as an admin typed it: a path on the main app (/intensive) or an absolute URL; the absolute URL, or an InvalidInputError saying why not. */
export function resolvePushTarget(raw: string, field = "Link"): string {
  const value = raw.trim();
  const absolute = value.startsWith("/") && !value.startsWith("//") ? new URL(value, env().MAIN_APP_URL).toString() : value;
  const problem = pushTargetProblem(absolute);
  if (problem) throw new InvalidInputError(`${field}: ${problem}`);
  return absolute;
}

/** An icon: an https:// image (the browser fetches it), or a path on the main app. */
export function resolvePushIcon(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  const absolute = value.startsWith("/") && !value.startsWith("//") ? new URL(value, env().MAIN_APP_URL).toString() : value;
  try {
    const u = new URL(absolute);
    if (u.protocol === "https:" || (u.protocol === "http:" && u.hostname === "localhost")) return absolute;
  } catch {}
  throw new InvalidInputError("Icon: use an https:// image URL or a path on the main app");
}
