import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as inngestGet, PUT as inngestPut } from "@/app/api/inngest/route";
import { GET as trpcGet, POST as trpcPost } from "@/app/api/trpc/[trpc]/route";
import { POST as replyRoute } from "@/app/api/v1/users/[userId]/replies/route";
import { POST as webhook } from "@/app/api/webhooks/resend/route";
import { resetEnvCache } from "@/lib/env";
import { UNPROXIED_PREFIX } from "@/lib/security-headers";
import { proxy, config as proxyConfig } from "@/proxy";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { provideDatabase } from "@/server/db";
import { openConfiguredDatabase, openJobsPool } from "@/server/db/open";
import { createEmailProvider } from "@/server/email";
import { sendMagicLink } from "@/server/services/auth/send-magic-link";
import { getHealth } from "@/server/services/health/get-health";
import { newWebhookSecret, signWebhook } from "../fixtures/sign-webhook";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

/** Runs `fn` with these variables set (and the env cache reset around it). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
    resetEnvCache();
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const A_REAL_DATABASE = { DATABASE_URL: "postgres://crm@db.internal:5432/crm", CRM_OWNER_EMAIL: "owner@example.com" };

describe.each(engines())("security on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Record<"owner" | "admin" | "viewer", TTestAdmin>;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admins = await createAdmins(db.db, `sec-${engine}`);
  });
  afterAll(async () => db?.drop());
  afterEach(() => vi.restoreAllMocks());

  describe("the local outbox", () => {
    it("serves owners on the embedded database, and nobody (404) with a real database", async () => {
      const owner = callerFor(db.db, admins.owner);
      await expect(owner.messaging.outbox.list()).resolves.toMatchObject({ mode: "local-outbox" });
      await expect(callerFor(db.db, admins.admin).messaging.outbox.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
      await withEnv(A_REAL_DATABASE, async () => {
        await expect(owner.messaging.outbox.list()).rejects.toMatchObject({ code: "NOT_FOUND" });
        await expect(owner.messaging.outbox.get({ id: uuid(1) })).rejects.toMatchObject({ code: "NOT_FOUND" });
      });
    });

    it("prints sign-in links to the log on the embedded database only", async () => {
      const info = vi.spyOn(console, "info").mockImplementation(() => {});
      const url = "http://localhost:3000/sign-in/verify?token=t&email=a%40example.com";
      await sendMagicLink(createEmailProvider(db.db), { email: "a@example.com", url });
      expect(info.mock.calls.flat().join(" ")).toContain(url);
      info.mockClear();
      await withEnv(A_REAL_DATABASE, () => sendMagicLink(createEmailProvider(db.db), { email: "a@example.com", url }));
      expect(info.mock.calls.flat().join(" ")).not.toContain("token=");
    });
  });

  describe("tRPC over HTTP", () => {
    const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      new Request(`http://localhost:3000/api/trpc/${path}`, init);

    it("accepts mutations as JSON only: a cross-site form post is refused before anything runs", async () => {
      const form = new FormData();
      form.set("email", "attacker@example.com");
      form.set("role", "owner");
      const res = await trpcPost(request("admins.invite", { method: "POST", body: form }));
      expect(res.status).toBe(415);
      const text = await trpcPost(request("admins.invite", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }));
      expect(text.status).toBe(415);
      const crossSite = await trpcPost(
        request("admins.invite", {
          method: "POST",
          headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
          body: "{}",
        }),
      );
      expect(crossSite.status).toBe(403);
      expect(await db.query("SELECT 1 FROM crm_admins WHERE email = 'attacker@example.com'")).toEqual([]);
    });

    it("caps batches at 10 calls and bodies at 1 MB", async () => {
      const paths = Array.from({ length: 11 }, () => "system.health").join(",");
      const batch = await trpcGet(request(`${paths}?batch=1&input=${encodeURIComponent("{}")}`));
      expect(batch.status).toBe(400);
      expect(await batch.text()).toContain("Batch call exceeds maximum size");
      const huge = await trpcPost(
        request("segments.preview", { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(1_000_001) }),
      );
      expect(huge.status).toBe(413);
    });

    it("answers an unexpected error with a generic message and a request id, never SQL", async () => {
      const scratch = await createTestDatabase(engine, { sourceTables: false });
      try {
        await scratch.execScript("DROP TABLE crm_user_segments CASCADE");
        const error = vi.spyOn(console, "error").mockImplementation(() => {});
        const res = await fetchRequestHandler({
          endpoint: "/api/trpc",
          router: appRouter,
          createContext: () => createContext(scratch.db, admins.viewer, "req-12345678"),
          req: request("segments.list"),
          onError: ({ error: e }) => console.error(e.message),
        });
        expect(res.status).toBe(500);
        const body = await res.text();
        const { error: shape } = JSON.parse(body) as { error: { json: { message: string } } };
        expect(shape.json.message).toBe("Something went wrong on our side (request req-12345678)");
        expect(body).not.toMatch(/crm_user_segments|relation|select|from/i);
        // The log has what happened.
        expect(error.mock.calls.flat().join(" ")).toMatch(/crm_user_segments/);
      } finally {
        await scratch.drop();
      }
    });
  });

  describe("webhooks and the main app's API", () => {
    it("checks a webhook's timestamp before reading its body, and refuses a body over 256 KB with 413", async () => {
      await withEnv({ RESEND_WEBHOOK_SECRET: newWebhookSecret() }, async () => {
        let pulled = false;
        const body = new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              pulled = true;
              controller.enqueue(new TextEncoder().encode("{}"));
              controller.close();
            },
          },
          { highWaterMark: 0 },
        );
        const stale = signWebhook(process.env.RESEND_WEBHOOK_SECRET as string, "{}", { timestamp: Math.floor(Date.now() / 1000) - 3600 });
        const res = await webhook(
          new Request("http://crm/api/webhooks/resend", { method: "POST", headers: stale, body, duplex: "half" } as RequestInit),
        );
        expect(res.status).toBe(401);
        expect(pulled).toBe(false);

        const big = JSON.stringify({ type: "email.opened", created_at: new Date().toISOString(), data: { pad: "x".repeat(300_000) } });
        const signed = signWebhook(process.env.RESEND_WEBHOOK_SECRET as string, big);
        const tooBig = await webhook(new Request("http://crm/api/webhooks/resend", { method: "POST", headers: signed, body: big }));
        expect(tooBig.status).toBe(413);
        // Chunked, with no Content-Length: cut off as the stream passes the limit.
        const chunks = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(10_000).fill(32));
            controller.close();
          },
        });
        const chunked = await webhook(
          new Request("http://crm/api/webhooks/resend", { method: "POST", headers: signed, body: chunks, duplex: "half" } as RequestInit),
        );
        expect(chunked.status).toBe(413);
      });
    });

    it("limits each API key's requests per minute (429 with Retry-After) and caps bodies (413)", async () => {
      await insertSourceRows(db, {
        users: [{ id: uuid(7), email: "api@example.com", name: "Api User", created_at: "2026-01-01T00:00:00Z", last_active_at: null }],
      });
      const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: `limits ${engine}` });
      const reply = (body: string) =>
        replyRoute(
          new Request(`http://crm/api/v1/users/${uuid(7)}/replies`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body,
          }),
          { params: Promise.resolve({ userId: uuid(7) }) },
        );
      await withEnv({ API_RATE_LIMIT_PER_MINUTE: "3" }, async () => {
        const tooBig = await reply(JSON.stringify({ content: "x".repeat(300_000) }));
        expect(tooBig.status).toBe(413);
        expect((await reply(JSON.stringify({ content: "one" }))).status).toBe(201);
        expect((await reply(JSON.stringify({ content: "two" }))).status).toBe(201);
        const limited = await reply(JSON.stringify({ content: "three" }));
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(((await limited.json()) as { error: { message: string } }).error.message).toContain("more than 3 requests in a minute");
      });
      const stored = await db.query<{ content: string }>("SELECT content FROM crm_messages WHERE user_id = $1 ORDER BY created_at", [
        uuid(7),
      ]);
      expect(stored.map((m) => m.content)).toEqual(["one", "two"]);
    });

    it("has no Inngest endpoint when jobs run in-process", async () => {
      expect((await inngestGet(new Request("http://crm/api/inngest"), {})).status).toBe(404);
      expect((await inngestPut(new Request("http://crm/api/inngest", { method: "PUT" }), {})).status).toBe(404);
    });
  });

  describe("the shared database", () => {
    it("lets one admin run at most 2 heavy reads at once, refused at once beyond, others unaffected", async () => {
      const viewer = callerFor(db.db, admins.viewer);
      const input = { filters: {}, timeZone: "UTC" } as never;
      const three = await Promise.allSettled([viewer.users.count(input), viewer.users.count(input), viewer.users.count(input)]);
      expect(three.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
      expect((three[2] as PromiseRejectedResult).reason).toMatchObject({
        code: "TOO_MANY_REQUESTS",
        message: expect.stringContaining("Wait for one"),
      });
      const others = await Promise.allSettled([viewer.users.count(input), callerFor(db.db, admins.admin).users.count(input)]);
      expect(others.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    });

    it("refuses criteria that grow exponentially through segments referring to segments, at once and on every path", async () => {
      const admin = callerFor(db.db, admins.admin);
      const base = await admin.segments.create({
        name: `Chain 0 ${engine}`,
        criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }] },
      });
      const refersTo = (id: string, times: number) => ({
        type: "group" as const,
        match: "any" as const,
        conditions: Array.from({ length: times }, () => ({
          type: "condition" as const,
          field: "segment" as const,
          op: "member" as const,
          segmentId: id,
        })),
      });
      // Written straight to the table, as if saved before the bound existed: 99 references to the previous, 12 deep (99^12 conditions inlined).
      let previous = base.id;
      for (let i = 1; i <= 12; i++) {
        const [row] = await db.query<{ id: string }>("INSERT INTO crm_user_segments (name, criteria) VALUES ($1, $2::jsonb) RETURNING id", [
          `Chain ${i} ${engine}`,
          JSON.stringify(refersTo(previous, 99)),
        ]);
        previous = row?.id as string;
      }
      const started = performance.now();
      const growth = /grow past 1000 conditions/;
      await expect(admin.segments.preview({ criteria: refersTo(previous, 1) })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(growth),
      });
      await expect(admin.segments.recompute({ id: previous })).resolves.toBeDefined(); // queued; the job refuses it (below)
      const { recomputeSegment } = await import("@/server/services/segments/recompute-segment");
      await expect(recomputeSegment({ ctx: testCtx(db.db), input: { segmentId: previous } })).rejects.toThrow(growth);
      // Through the service: the second link of a chain is already too large.
      const base2 = await admin.segments.create({
        name: `Base 2 ${engine}`,
        criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }] },
      });
      const one = await admin.segments.create({ name: `Ref 1 ${engine}`, criteria: refersTo(base2.id, 99) });
      await expect(admin.segments.create({ name: `Ref 2 ${engine}`, criteria: refersTo(one.id, 99) })).rejects.toMatchObject({
        message: expect.stringMatching(growth),
      });
      // Editing a segment others use: refused when one of them would grow past the bound (user of: 1 + 3 × 299 = 898 today).
      await admin.segments.create({ name: `User of ${engine}`, criteria: refersTo(one.id, 3) });
      const condition = { type: "condition" as const, field: "email" as const, op: "contains" as const, value: "@" };
      const bigger = { type: "group" as const, match: "all" as const, conditions: [condition, condition, condition] };
      await expect(admin.segments.update({ id: base2.id, criteria: bigger })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringMatching(new RegExp(`^“User of ${engine}” uses this segment: These criteria grow past 1000`)),
      });
      expect(performance.now() - started).toBeLessThan(30_000);
    });

    it("keeps the database's error text from anonymous health checks", async () => {
      const gone = await createTestDatabase(engine, { sourceTables: false });
      await gone.drop();
      const anonymous = await getHealth({ ctx: testCtx(gone.db), input: { detail: false } });
      expect(anonymous.database.error).toBe("The database is not reachable");
      const admin = await getHealth({ ctx: testCtx(gone.db), input: { detail: true } });
      expect(admin.database.error).not.toBe("The database is not reachable");
      expect(admin.database.error).toBeTruthy();
    });

    // Statement timeouts need a server: PGlite runs in this process and has no timers to cancel a statement.
    if (engine === "postgres")
      it("stops a request's statement after STATEMENT_TIMEOUT_MS, and gives jobs their longer JOB_STATEMENT_TIMEOUT_MS", async () => {
        await withEnv(
          { DATABASE_URL: db.url, CRM_OWNER_EMAIL: "owner@example.com", STATEMENT_TIMEOUT_MS: "300", JOB_STATEMENT_TIMEOUT_MS: "5000" },
          async () => {
            const requests = await openConfiguredDatabase();
            const jobs = openJobsPool();
            try {
              const started = performance.now();
              await expect(requests.query("SELECT pg_sleep(3)")).rejects.toThrow(/statement timeout/);
              expect(performance.now() - started).toBeLessThan(2500);
              expect(await requests.query("SHOW statement_timeout")).toEqual([{ statement_timeout: "300ms" }]);
              expect(await jobs?.query("SHOW statement_timeout")).toEqual([{ statement_timeout: "5s" }]);
              await expect(jobs?.query("SELECT pg_sleep(0.5)")).resolves.toBeDefined();
            } finally {
              await requests.close();
              await jobs?.close();
            }
          },
        );
      });
  });

  describe("headers", () => {
    it("gives pages a nonce-based CSP and every response the security headers, HSTS on https", async () => {
      await withEnv({ APP_URL: "https://crm.example.com" }, async () => {
        const page = proxy(new NextRequest("https://crm.example.com/users"));
        const csp = page.headers.get("content-security-policy") ?? "";
        expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("upgrade-insecure-requests");
        expect(page.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
        expect(page.headers.get("x-content-type-options")).toBe("nosniff");
        expect(page.headers.get("referrer-policy")).toBe("no-referrer");
        expect(page.headers.get("permissions-policy")).toContain("camera=()");
        expect(page.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
        const other = proxy(new NextRequest("https://crm.example.com/users"));
        expect(other.headers.get("content-security-policy")).not.toBe(csp);
        const api = proxy(new NextRequest("https://crm.example.com/api/health"));
        expect(api.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      });
      await withEnv({ APP_URL: "http://localhost:3000" }, async () => {
        // The proxy skips exactly the prefix under which routeHandler sets the headers itself.
        expect(proxyConfig.matcher[0]).toContain(`|${UNPROXIED_PREFIX.slice(1)})`);
        const skipped = await webhook(
          new Request(`http://localhost:3000${UNPROXIED_PREFIX}resend`, {
            method: "POST",
            headers: { "x-request-id": "mine" },
            body: "{}",
          }),
        );
        expect(skipped.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(skipped.headers.get("x-frame-options")).toBe("DENY");
        expect(skipped.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
        const page = proxy(new NextRequest("http://localhost:3000/"));
        expect(page.headers.get("strict-transport-security")).toBeNull();
        expect(page.headers.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
      });
    });
  });
});
