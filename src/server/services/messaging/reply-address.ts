import { createHmac, timingSafeEqual } from "node:crypto";
import { env, inboundEmailDomain } from "@/lib/env";
import { authSecret } from "@/server/auth/secret";

/*
 * A one-on-one email's Reply-To names its thread: reply+<user id>.<mac>@<inbound domain>.
 * The mac (HMAC of the user id with the app's secret) means nobody can write
 * into someone else's conversation by guessing an address; the address needs
 * no database row. Lower-case hex only, as mail systems may fold the case of
 * the local part (55 characters, under the 64 allowed).
 */

const mac = (userId: string, secret = authSecret()) => createHmac("sha256", `reply:${secret}`).update(userId).digest("hex").slice(0, 16);

const compact = (uuid: string) => uuid.replace(/-/g, "").toLowerCase();
const expand = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** The thread's reply address, or null when no inbound domain is configured. */
export function replyAddressFor(userId: string): string | null {
  const domain = inboundEmailDomain();
  if (!domain) return null;
  const id = expand(compact(userId));
  return `reply+${compact(id)}.${mac(id)}@${domain}`;
}

const ADDRESS = /^reply\+([0-9a-f]{32})\.([0-9a-f]{16})@(.+)$/;

/** The user id a reply address names, when its domain is ours and its mac is right (also under AUTH_SECRET_PREVIOUS); else null. */
export function threadOfReplyAddress(address: string): string | null {
  const domain = inboundEmailDomain();
  const m = ADDRESS.exec(address.trim().toLowerCase());
  if (!domain || !m || m[3] !== domain) return null;
  const userId = expand(m[1] ?? "");
  const given = Buffer.from(m[2] ?? "");
  const secrets = [authSecret(), env().AUTH_SECRET_PREVIOUS].filter((x): x is string => Boolean(x));
  return secrets.some((s) => {
    const expected = Buffer.from(mac(userId, s));
    return expected.length === given.length && timingSafeEqual(expected, given);
  })
    ? userId
    : null;
}

/** "Ana Lima <Ana@Example.com>" → "ana@example.com". */
export function bareAddress(header: string): string {
  const m = /<([^<>]+)>\s*$/.exec(header);
  return (m?.[1] ?? header).trim().toLowerCase();
}
