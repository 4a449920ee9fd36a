import { createHash, randomBytes } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { env, signInLimits } from "@/lib/env";
import { authSecret } from "@/server/auth/secret";
import type { DbOrTx } from "@/server/db/client";
import { crmAuthVerificationTokens } from "@/server/db/schema";
import { jobEvent } from "@/server/jobs/events";
import type { TServiceArgs } from "../context";
import { TooManyRequestsError } from "../errors";
import { consumeRateLimit, limitKey } from "../limits/rate-limit";
import { isInvitedAdmin } from "./is-invited-admin";
import { MAGIC_LINK_MAX_AGE_SECONDS, sendMagicLink } from "./send-magic-link";

/*
 * Sign-in links, issued by the CRM itself (next-auth only checks them, when
 * the "Sign in" button on /sign-in/verify posts one back):
 * - the link is built from APP_URL, never from the request's Host header;
 * - invited and unknown addresses get the same answer after the same work
 *   (two rate-limit statements and one enqueue): looking the address up and
 *   emailing the link is a background job (crm/sign-in.link.requested);
 * - per-address and per-IP limits live in Postgres, so they hold across
 *   instances; a refused request issues nothing.
 */

export const SIGN_IN_WINDOW_MS = 15 * 60_000;

export const ZSignInEmail = z
  .string()
  .transform((s) => s.normalize("NFKC").trim().toLowerCase())
  .pipe(z.email("Enter a valid email address.").max(254, "Enter a valid email address."));

/** The hash next-auth looks a link's token up by: sha256(token + secret), hex. */
export const hashSignInToken = (token: string, secret: string) => createHash("sha256").update(`${token}${secret}`).digest("hex");

/** The page a link opens: it shows a "Sign in" button and burns nothing by being fetched. */
export const signInLinkUrl = (token: string, email: string) => {
  const url = new URL("/sign-in/verify", env().APP_URL);
  url.search = new URLSearchParams({ token, email }).toString();
  return url.toString();
};

/**
 * An admin asks for a link. Throws TooManyRequestsError when the IP or the
 * address has asked too often; otherwise answers the same whoever asked.
 */
export async function requestSignInLink({ ctx, input }: TServiceArgs<{ email: string; ip: string }>): Promise<{ email: string }> {
  const email = ZSignInEmail.parse(input.email);
  const limits = signInLimits();
  const now = ctx.clock();
  const byIp = await consumeRateLimit(ctx.db, limitKey("sign-in:ip", input.ip), { limit: limits.perIp, periodMs: SIGN_IN_WINDOW_MS }, now);
  const byAddress = byIp.allowed
    ? await consumeRateLimit(ctx.db, limitKey("sign-in:address", email), { limit: limits.perAddress, periodMs: SIGN_IN_WINDOW_MS }, now)
    : byIp;
  if (!byAddress.allowed) {
    const minutes = Math.ceil(byAddress.retryAfterSeconds / 60);
    throw new TooManyRequestsError(
      `Too many sign-in requests. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      byAddress.retryAfterSeconds,
    );
  }
  await ctx.jobs.enqueue(jobEvent("crm/sign-in.link.requested", { email }));
  return { email };
}

/** The background half (a job): expired tokens go; an invited address gets a fresh link, anyone else nothing. */
export async function issueSignInLink({ ctx, input }: TServiceArgs<{ email: string }>): Promise<void> {
  const now = ctx.clock();
  const email = ZSignInEmail.parse(input.email);
  await purgeExpiredSignInTokens(ctx.db, now);
  if (!(await isInvitedAdmin(ctx.db, email))) return;
  const token = randomBytes(32).toString("hex");
  await ctx.db.insert(crmAuthVerificationTokens).values({
    identifier: email,
    token: hashSignInToken(token, authSecret()),
    expires: new Date(now.getTime() + MAGIC_LINK_MAX_AGE_SECONDS * 1000),
  });
  await sendMagicLink(ctx.email, { email, url: signInLinkUrl(token, email) });
}

export async function purgeExpiredSignInTokens(db: DbOrTx, now = new Date()) {
  await db.delete(crmAuthVerificationTokens).where(lt(crmAuthVerificationTokens.expires, now));
}

/** Whether a link is still good, without using it up (the verify page says so before the button). */
export async function checkSignInLink({ ctx, input }: TServiceArgs<{ token: string; email: string }>) {
  const email = ZSignInEmail.safeParse(input.email);
  if (!email.success) return "unknown" as const;
  const now = ctx.clock();
  const [row] = await ctx.db
    .select({ expires: crmAuthVerificationTokens.expires })
    .from(crmAuthVerificationTokens)
    .where(
      and(
        eq(crmAuthVerificationTokens.identifier, email.data),
        eq(crmAuthVerificationTokens.token, hashSignInToken(input.token, authSecret())),
      ),
    )
    .limit(1);
  if (!row) return "unknown" as const;
  return row.expires.getTime() < now.getTime() ? ("expired" as const) : ("valid" as const);
}
