import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Browser, ConsoleMessage } from "playwright-core";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceIndexesDdl, sourceTablesDdl } from "@/server/services/demo-data/source-tables";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { launchChromium } from "./browser";

/*
 * The built app started as production starts it (the standalone server.js the
 * Dockerfile runs, docs/deploy.md): NODE_ENV=production, a real
 * Postgres, Resend (a local server speaking its API), APP_URL. Checks what
 * an attacker on the internet would try first: the outbox, forged hosts,
 * missing security headers, the Inngest endpoint.
 */

const PORT = Number(process.env.CRM_E2E_PROD_PORT ?? 3200);
const APP_URL = `http://localhost:${PORT}`;
const OWNER = "owner@vibrationfit.example";
const baseUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `crm_e2e_prod_${process.pid}_${randomBytes(3).toString("hex")}`;
const dbUrl = (() => {
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

let fake: TFakeResend;
let app: ChildProcess | null = null;
let appOutput: () => string = () => "";
let browser: Browser;

const productionEnv = (extra: Record<string, string | undefined> = {}) => {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(RESEND_|INNGEST_|PGLITE_|CRM_E2E)/.test(k)) e[k] = v;
  Object.assign(e, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: dbUrl,
    AUTH_SECRET: randomBytes(32).toString("base64"),
    CRM_OWNER_EMAIL: OWNER,
    APP_URL,
    RESEND_API_KEY: fake.apiKey,
    RESEND_BASE_URL: fake.url,
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
};

/** The self-hosted server, as the Dockerfile runs it: the standalone build's server.js (npm run build makes it). */
function start(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ["server.js"], {
    cwd: ".next/standalone",
    env: { ...env, PORT: String(PORT), HOSTNAME: "localhost" } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

beforeAll(async () => {
  fake = await startFakeResend();
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const db = postgres(dbUrl, { max: 1, onnotice: () => {} });
  await db.unsafe(sourceTablesDdl("app") + sourceIndexesDdl("app"));
  await db.end();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  app?.kill("SIGTERM");
  await browser?.close();
  await fake?.close();
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

describe("a production start", () => {
  it("refuses to start without an email provider, in one line", async () => {
    const { child, output } = start(productionEnv({ RESEND_API_KEY: undefined, RESEND_BASE_URL: undefined }));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output()).toContain(
      "Missing environment variable RESEND_API_KEY: required with DATABASE_URL in production (the local outbox exists only on the embedded database)",
    );
    expect(output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("starts with everything set, and answers health", async () => {
    const started = start(productionEnv());
    app = started.child;
    for (let i = 0; i < 120; i++) {
      const ok = await fetch(`${APP_URL}/api/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    appOutput = started.output;
    const health = (await (await fetch(`${APP_URL}/api/health`)).json()) as Record<string, { mode: string }>;
    expect(health.database?.mode).toBe("postgres");
    expect(health.email?.mode).toBe("resend");
    // What a load balancer and an orchestrator read: liveness (the process) and readiness (the database too).
    expect(await (await fetch(`${APP_URL}/api/health/live`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${APP_URL}/api/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
  });

  it("has no outbox: pages and API answer 404, and the sign-in page names nobody", async () => {
    expect((await fetch(`${APP_URL}/dev/outbox`)).status).toBe(404);
    expect((await fetch(`${APP_URL}/dev/outbox/00000000-0000-4000-8000-000000000001`)).status).toBe(404);
    const reply = new URLSearchParams({ from: "someone@example.com", content: "a forged reply" });
    expect(
      (await fetch(`${APP_URL}/api/dev/outbox/00000000-0000-4000-8000-000000000001/reply`, { method: "POST", body: reply })).status,
    ).toBe(404);
    const signIn = await (await fetch(`${APP_URL}/sign-in`)).text();
    expect(signIn).not.toContain(OWNER);
    expect(signIn).not.toMatch(/outbox|Local mode/i);
    expect((await fetch(`${APP_URL}/api/inngest`)).status).toBe(404);
  });

  it("sends a sign-in link on APP_URL through the provider for a forged host, never logs it, and the owner still cannot read an outbox", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    // Failed loads are judged by their address below (the favicon is issue 18's); everything else logged as an error counts.
    page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`${r.status()} ${r.url()}`);
    });
    // A script posting the sign-in form, claiming to be evil.test.
    const html = await (await fetch(`${APP_URL}/sign-in`)).text();
    const body = new FormData();
    for (const input of (html.match(/<form[^>]*>([\s\S]*?)<\/form>/)?.[1] ?? "").matchAll(
      /<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?\/?>/g,
    )) {
      body.set(input[1] ?? "", (input[2] ?? "").replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
    }
    body.set("email", OWNER);
    const forged = await fetch(`${APP_URL}/sign-in`, {
      method: "POST",
      body,
      redirect: "manual",
      headers: { origin: "https://evil.test", "x-forwarded-host": "evil.test", "x-forwarded-proto": "https" },
    });
    expect(forged.status).toBe(303);
    for (let i = 0; i < 50 && !fake.sent.some((m) => m.to.includes(OWNER)); i++) await new Promise((r) => setTimeout(r, 100));
    const mail = fake.sent.find((m) => m.to.includes(OWNER));
    const link = mail?.text?.match(/https?:\/\/\S+\/sign-in\/verify\?\S+/)?.[0] ?? "";
    expect(new URL(link).origin).toBe(APP_URL);
    expect(mail?.html).not.toContain("evil.test");

    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => new URL(u).pathname === "/");
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    // Pages run under the nonce CSP with no violation and no error.
    expect(problems).toEqual([]);
    const outbox = await page.evaluate(async () => (await fetch("/api/trpc/messaging.outbox.list")).status);
    expect(outbox).toBe(404);
    // The local demo's activity does not exist on a real database, even for the owner.
    const activity = await page.evaluate(async () =>
      Promise.all([
        fetch("/api/dev/activity").then((r) => r.status),
        fetch("/api/dev/activity", { method: "POST" }).then((r) => r.status),
        fetch("/api/dev/activity", { method: "PUT", headers: { "content-type": "application/json" }, body: '{"running":true}' }).then(
          (r) => r.status,
        ),
      ]),
    );
    expect(activity).toEqual([404, 404, 404]);
    const token = new URL(link).searchParams.get("token") ?? "";
    await new Promise((r) => setTimeout(r, 200));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(appOutput()).not.toContain(token);
    await context.close();
  });

  it("puts the security headers on pages and API answers", async () => {
    const page = await fetch(`${APP_URL}/sign-in`);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("permissions-policy")).toContain("camera=()");
    expect(page.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const api = await fetch(`${APP_URL}/api/health`);
    expect(api.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    // The provider webhooks skip the proxy (their load) and set the same headers themselves, with an id of their own.
    const webhook = await fetch(`${APP_URL}/api/webhooks/resend`, {
      method: "POST",
      headers: { "x-request-id": "forged-id-1234" },
      body: "{}",
    });
    expect(webhook.status).toBeGreaterThanOrEqual(400);
    expect(webhook.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(webhook.headers.get("x-content-type-options")).toBe("nosniff");
    expect(webhook.headers.get("x-frame-options")).toBe("DENY");
    expect(webhook.headers.get("referrer-policy")).toBe("no-referrer");
    expect(webhook.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends small API answers uncompressed (no gzip stream for each webhook's answer) and still compresses pages", async () => {
    const gzip = { "accept-encoding": "gzip" };
    const live = await fetch(`${APP_URL}/api/health/live`, { headers: gzip });
    expect(live.headers.get("content-encoding")).toBeNull();
    expect(await live.json()).toEqual({ status: "ok" });
    const webhook = await fetch(`${APP_URL}/api/webhooks/resend`, { method: "POST", headers: gzip, body: "{}" });
    expect(webhook.status).toBeGreaterThanOrEqual(400);
    expect(webhook.headers.get("content-encoding")).toBeNull();
    expect(webhook.headers.get("cache-control")).toBe("no-store, no-transform");
    const page = await fetch(`${APP_URL}/sign-in`, { headers: gzip });
    expect(page.headers.get("content-encoding")).toBe("gzip");
  });

  it("logs JSON lines, and on SIGTERM stops taking work and exits", async () => {
    const lines = appOutput()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "info", scope: "jobs", msg: expect.stringMatching(/In-process engine started/) }),
    );
    const child = app;
    if (!child) throw new Error("the app is not running");
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 143 : null))));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
    expect(code).not.toBe("hung");
    expect(appOutput()).toContain("SIGTERM: taking no new work");
    app = null;
  });
});
