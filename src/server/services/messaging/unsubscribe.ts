import { createHmac, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { authSecret } from "@/server/auth/secret";
import { executeRows } from "@/server/db/client";
import { writeAuditLog } from "../audit/write-audit-log";
import type { TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";

/*
 * Unsubscribe links carry the user id and address, signed with the app's
 * secret: nobody can unsubscribe someone else by editing the link, and the
 * link needs no database row until it is used.
 */

const sign = (payload: string, secret = authSecret()) => createHmac("sha256", `unsubscribe:${secret}`).update(payload).digest("base64url");

export function unsubscribeToken(userId: string, email: string): string {
  const payload = Buffer.from(JSON.stringify([userId, email.toLowerCase()])).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

export function verifyUnsubscribeToken(token: string): { userId: string; email: string } | null {
  const [payload, mac] = token.split(".");
  if (!payload || !mac || token.length > 1000) return null;
  const given = Buffer.from(mac);
  // After a rotation, links signed with the previous secret (emails already sent) still work.
  const secrets = [authSecret(), env().AUTH_SECRET_PREVIOUS].filter((x): x is string => Boolean(x));
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(sign(payload, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!matches) return null;
  try {
    const [userId, email] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [unknown, unknown];
    return typeof userId === "string" && typeof email === "string" ? { userId, email } : null;
  } catch {
    return null;
  }
}

export const unsubscribeUrl = (user: { id: string; email: string }) =>
  `${env().APP_URL.replace(/\/$/, "")}/unsubscribe?token=${unsubscribeToken(user.id, user.email)}`;

/** RFC 2369 + RFC 8058 headers every marketing email carries: mail clients show "Unsubscribe" and POST to it in one click. */
export const listUnsubscribeHeaders = (user: { id: string; email: string }): Record<string, string> => ({
  "List-Unsubscribe": `<${env().APP_URL.replace(/\/$/, "")}/api/unsubscribe?token=${unsubscribeToken(user.id, user.email)}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
});

/** Records the unsubscribe (idempotent). Marketing email skips suppressed addresses from then on. */
export async function unsubscribe({ ctx, input }: TServiceArgs<{ token: string }>): Promise<{ email: string; already: boolean }> {
  const who = verifyUnsubscribeToken(input.token);
  if (!who) throw new InvalidInputError("This unsubscribe link is not valid. Use the link from the latest email.");
  return ctx.db.transaction(async (tx) => {
    const rows = await executeRows<{ email: string }>(
      tx,
      sql`INSERT INTO crm_suppressions (email, user_id, reason) VALUES (${who.email}, ${who.userId}::uuid, 'unsubscribed')
          ON CONFLICT (email) DO NOTHING RETURNING email`,
    );
    if (rows.length) {
      await writeAuditLog(tx, ctx.actor, {
        action: "email.unsubscribed",
        targetType: "user",
        targetId: who.userId,
        after: { email: who.email },
      });
    }
    return { email: who.email, already: rows.length === 0 };
  });
}
