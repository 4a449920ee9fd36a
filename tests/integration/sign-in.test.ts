import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { buildAuthConfig } from "@/server/auth/config";
import { connectPostgres } from "@/server/db/client";
import { listOutbox } from "@/server/email/local-outbox-provider";
import { checkSignInLink, hashSignInToken, requestSignInLink, SIGN_IN_WINDOW_MS } from "@/server/services/auth/sign-in-links";
import { systemActor } from "@/server/services/context";
import { TooManyRequestsError } from "@/server/services/errors";
import { createAdmins } from "../helpers/admins";
import { testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";

const SECRET = "test-secret-test-secret-test-secret-0123";
const APP_URL = "https://crm.example.com";

describe.each(engines())("sign-in links on %s", (engine) => {
  let db: TTestDatabase;
  const ctx = (now?: Date) => testCtx(db.db, systemActor("sign-in"), now ? { clock: () => now } : {});
  /** The queued sign-in jobs, run as the server's engine would run them. */
  const runJobs = () => testEngine(db.db).drain();
  const queued = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM crm_job_queue WHERE name = 'crm/sign-in.link.requested' AND status = 'queued'",
      )
    )[0]?.n;
  const forgetJobs = () => db.query("DELETE FROM crm_job_queue");
  const outboxTo = async (email: string) => (await listOutbox(db.db, 500)).filter((m) => m.to.includes(email));
  const linkTo = async (email: string) => {
    const [mail] = await outboxTo(email);
    const [row] = await db.query<{ text: string }>("SELECT text FROM crm_email_outbox WHERE id = $1", [mail?.id]);
    const link = row?.text.match(/https?:\/\/\S+\/sign-in\/verify\?\S+/)?.[0];
    if (!link) throw new Error(`no link to ${email}`);
    return new URL(link);
  };

  beforeAll(async () => {
    process.env.AUTH_SECRET = SECRET;
    process.env.APP_URL = APP_URL;
    // As in production: a real database's defaults (5 links per address, 20 requests per IP, per 15 minutes).
    process.env.DATABASE_URL = "postgres://crm@db.internal:5432/crm";
    process.env.CRM_OWNER_EMAIL = "owner@example.com";
    resetEnvCache();
    db = await createTestDatabase(engine, { sourceTables: false });
    await createAdmins(db.db, "signin");
  });
  afterAll(async () => {
    delete process.env.APP_URL;
    delete process.env.AUTH_URL;
    delete process.env.DATABASE_URL;
    delete process.env.CRM_OWNER_EMAIL;
    resetEnvCache();
    await db?.drop();
  });

  it("answers an invited and an unknown address alike, and looks either up only after answering", async () => {
    const invited = await requestSignInLink({ ctx: ctx(), input: { email: " Signin-Admin@Example.com ", ip: "198.51.100.1" } });
    const unknown = await requestSignInLink({ ctx: ctx(), input: { email: "nobody@example.com", ip: "198.51.100.1" } });
    expect(invited).toEqual({ email: "signin-admin@example.com" });
    expect(unknown).toEqual({ email: "nobody@example.com" });
    // Answered, and nothing was looked up, stored or sent yet: the time to answer cannot tell them apart.
    expect(await queued()).toBe(2);
    expect(await db.query("SELECT 1 FROM crm_auth_verification_tokens")).toEqual([]);
    expect(await outboxTo("signin-admin@example.com")).toEqual([]);
    await runJobs();
    expect(await outboxTo("signin-admin@example.com")).toHaveLength(1);
    expect(await outboxTo("nobody@example.com")).toEqual([]);
    const [{ n }] = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_auth_verification_tokens")) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("builds the link on APP_URL, to a page that uses nothing up by being opened", async () => {
    const link = await linkTo("signin-admin@example.com");
    expect(link.origin).toBe(APP_URL);
    expect(link.pathname).toBe("/sign-in/verify");
    const input = { token: link.searchParams.get("token") ?? "", email: link.searchParams.get("email") ?? "" };
    expect(await checkSignInLink({ ctx: ctx(), input })).toBe("valid");
    expect(await checkSignInLink({ ctx: ctx(), input })).toBe("valid");
    expect(await checkSignInLink({ ctx: ctx(), input: { ...input, token: "0".repeat(64) } })).toBe("unknown");
    expect(await checkSignInLink({ ctx: ctx(new Date(Date.now() + SIGN_IN_WINDOW_MS + 1000)), input })).toBe("expired");
  });

  it("next-auth accepts the link once, by POST, with cookies and redirects on APP_URL whatever Host the request claims", async () => {
    const { handlers } = NextAuth(buildAuthConfig(db.db));
    const link = await linkTo("signin-admin@example.com");
    const callback = () =>
      handlers.POST(
        new NextRequest(`http://localhost:3000/api/auth/callback/email?${link.searchParams}&callbackUrl=%2F`, {
          method: "POST",
          headers: { "x-forwarded-host": "evil.test", host: "evil.test" },
        }),
      );
    const first = await callback();
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(`${APP_URL}/`);
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/__Secure-authjs\.session-token=[^;]+;/);
    expect(cookie).toMatch(/; Secure/i);
    const second = await callback();
    expect(second.headers.get("location")).toBe(`${APP_URL}/sign-in?error=Verification`);
    expect(second.headers.get("set-cookie") ?? "").not.toMatch(/session-token=[^;]/);
  });

  it("purges expired links whenever a link is asked for", async () => {
    await db.query(
      "INSERT INTO crm_auth_verification_tokens (identifier, token, expires) VALUES ('old@example.com', $1, now() - interval '1 minute')",
      [hashSignInToken("old", SECRET)],
    );
    await requestSignInLink({ ctx: ctx(), input: { email: "someone@example.com", ip: "198.51.100.9" } });
    await runJobs();
    expect(await db.query("SELECT identifier FROM crm_auth_verification_tokens WHERE identifier = 'old@example.com'")).toEqual([]);
  });

  it("limits links per address (5 per 15 minutes), for invited and unknown addresses alike, and says when to retry", async () => {
    const t0 = new Date("2026-06-01T10:00:00Z");
    for (const email of ["signin-viewer@example.com", "ghost@example.com"]) {
      for (let i = 0; i < 5; i++) await requestSignInLink({ ctx: ctx(t0), input: { email, ip: `203.0.113.${i}` } });
      const refused = await requestSignInLink({ ctx: ctx(t0), input: { email, ip: "203.0.113.99" } }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TooManyRequestsError);
      expect((refused as TooManyRequestsError).message).toBe("Too many sign-in requests. Try again in 3 minutes.");
      expect((refused as TooManyRequestsError).retryAfterSeconds).toBe(180);
      // A refused request uses nothing up: three minutes on, one more is allowed, then refused again.
      const later = new Date(t0.getTime() + 3 * 60_000);
      await expect(requestSignInLink({ ctx: ctx(later), input: { email, ip: "203.0.113.100" } })).resolves.toEqual({ email });
      await expect(requestSignInLink({ ctx: ctx(later), input: { email, ip: "203.0.113.101" } })).rejects.toBeInstanceOf(
        TooManyRequestsError,
      );
    }
    await forgetJobs();
  });

  it("limits requests per client IP (20 per 15 minutes), whatever addresses they name", async () => {
    const t0 = new Date("2026-06-02T10:00:00Z");
    for (let i = 0; i < 20; i++) await requestSignInLink({ ctx: ctx(t0), input: { email: `spray-${i}@example.com`, ip: "192.0.2.7" } });
    await expect(requestSignInLink({ ctx: ctx(t0), input: { email: "spray-x@example.com", ip: "192.0.2.7" } })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    await expect(requestSignInLink({ ctx: ctx(t0), input: { email: "spray-x@example.com", ip: "192.0.2.8" } })).resolves.toBeDefined();
    await forgetJobs();
  });

  // Two instances exist only on real Postgres (the embedded database belongs to one process).
  if (engine === "postgres")
    it("holds its limits across instances (two connection pools on one database)", async () => {
      const other = connectPostgres(db.url as string, { max: 2 });
      try {
        const t0 = new Date("2026-06-03T10:00:00Z");
        const ctxs = [ctx(t0), { ...ctx(t0), db: other.db }];
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            requestSignInLink({
              ctx: ctxs[i % 2] as ReturnType<typeof ctx>,
              input: { email: "split@example.com", ip: `10.0.0.${i}` },
            }).then(
              () => "ok",
              () => "limited",
            ),
          ),
        );
        expect(results.filter((r) => r === "ok")).toHaveLength(5);
      } finally {
        await other.close();
        await forgetJobs();
      }
    });
});
