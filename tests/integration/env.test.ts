import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import webpush from "web-push";
import { EnvError, jobsMode, parseEnv, pushConfig } from "@/lib/env";

const lines = (source: Record<string, string>) => {
  try {
    parseEnv(source);
    return [];
  } catch (err) {
    if (err instanceof EnvError) return err.lines;
    throw err;
  }
};

describe("configuration", () => {
  it("starts with no variables at all (the embedded default)", () => {
    const e = parseEnv({});
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.PGLITE_DIR).toBe(".data/pglite");
    expect(e.SOURCE_SCHEMA).toBe("app");
    expect(jobsMode(e)).toBe("in-process");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", RESEND_API_KEY: " " }).DATABASE_URL).toBeUndefined();
  });

  it("names each invalid variable and what it expects, one line each", () => {
    expect(lines({ DATABASE_URL: "mysql://x", RESEND_API_KEY: "abc", SOURCE_SCHEMA: "App; drop" })).toEqual([
      "Invalid environment variable DATABASE_URL: expected a postgres:// or postgresql:// URL",
      "Invalid environment variable SOURCE_SCHEMA: expected a lower-case SQL identifier such as app",
      "Invalid environment variable RESEND_API_KEY: expected a Resend API key starting with re_",
    ]);
  });

  it("refuses a production start on a real database without a secret, an owner, an email provider or APP_URL", () => {
    expect(lines({ NODE_ENV: "production", DATABASE_URL: "postgres://h/db" })).toEqual([
      "Missing environment variable AUTH_SECRET: required with DATABASE_URL in production (openssl rand -base64 32)",
      "Missing environment variable CRM_OWNER_EMAIL: required with DATABASE_URL (the first owner's email address)",
      "Missing environment variable RESEND_API_KEY: required with DATABASE_URL in production (the local outbox exists only on the embedded database)",
      "Missing environment variable APP_URL: required with DATABASE_URL in production (the CRM's public https:// URL)",
    ]);
    const complete = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://h/db",
      AUTH_SECRET: "x".repeat(32),
      CRM_OWNER_EMAIL: "owner@vibrationfit.com",
      RESEND_API_KEY: "re_live_key",
      APP_URL: "https://crm.vibrationfit.com",
    };
    expect(lines(complete)).toEqual([]);
    // The same settings outside production, or on the embedded default, start as before.
    expect(lines({ ...complete, NODE_ENV: "development", RESEND_API_KEY: "", APP_URL: "" })).toEqual([]);
    expect(lines({ NODE_ENV: "production" })).toEqual([]);
  });

  it("refuses the Inngest Dev Server in production, and Inngest Cloud without its signing key", () => {
    expect(lines({ NODE_ENV: "production", INNGEST_DEV: "1" })).toEqual([
      "Invalid environment variable INNGEST_DEV: not allowed in production (the Dev Server runs functions unsigned)",
    ]);
    expect(lines({ NODE_ENV: "production", INNGEST_DEV: "0" })).toEqual([]);
    expect(lines({ INNGEST_EVENT_KEY: "evt" })).toEqual([
      "Missing environment variable INNGEST_SIGNING_KEY: required with INNGEST_EVENT_KEY (Inngest's calls are verified with it)",
    ]);
    expect(lines({ INNGEST_SIGNING_KEY: "signkey-prod-1" })).toEqual([
      "Missing environment variable INNGEST_EVENT_KEY: required with INNGEST_SIGNING_KEY",
    ]);
    expect(lines({ INNGEST_EVENT_KEY: "evt", INNGEST_SIGNING_KEY: "signkey-prod-1" })).toEqual([]);
  });

  it("takes the three VAPID variables together, a key pair that belongs together, and a mailto:/https: subject", () => {
    const a = webpush.generateVAPIDKeys();
    const b = webpush.generateVAPIDKeys();
    const ok = { VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: a.privateKey, VAPID_SUBJECT: "mailto:crm@vibrationfit.com" };
    expect(pushConfig(parseEnv(ok))).toEqual({ publicKey: a.publicKey, privateKey: a.privateKey, subject: "mailto:crm@vibrationfit.com" });
    expect(pushConfig(parseEnv({}))).toBeNull();
    expect(lines({ VAPID_PUBLIC_KEY: a.publicKey })).toEqual([
      "Missing environment variable VAPID_PRIVATE_KEY: required with VAPID_PUBLIC_KEY (push needs all three; npm run push:keys)",
      "Missing environment variable VAPID_SUBJECT: required with VAPID_PUBLIC_KEY (push needs all three; npm run push:keys)",
    ]);
    expect(lines({ ...ok, VAPID_PRIVATE_KEY: b.privateKey })).toEqual([
      "Invalid environment variable VAPID_PRIVATE_KEY: it does not belong to VAPID_PUBLIC_KEY (set both from one npm run push:keys)",
    ]);
    expect(lines({ ...ok, VAPID_PUBLIC_KEY: "abc", VAPID_SUBJECT: "crm@vibrationfit.com" })).toEqual([
      "Invalid environment variable VAPID_PUBLIC_KEY: expected a base64url P-256 public key (87 characters starting with B): run npm run push:keys",
      "Invalid environment variable VAPID_SUBJECT: expected mailto:someone@example.com or an https:// URL (the push services contact you there)",
    ]);
  });

  it("picks the background job mode from the Inngest variables", () => {
    expect(jobsMode(parseEnv({ INNGEST_DEV: "1" }))).toBe("inngest-dev");
    expect(jobsMode(parseEnv({ INNGEST_DEV: "0" }))).toBe("in-process");
    expect(jobsMode(parseEnv({ INNGEST_EVENT_KEY: "e", INNGEST_SIGNING_KEY: "signkey-prod-1" }))).toBe("inngest-cloud");
  });

  it("a script with a bad variable prints one clear line, no stack trace, and exits 1", () => {
    const run = spawnSync("npx", ["tsx", "scripts/migrate.ts"], {
      env: { ...process.env, DATABASE_URL: "http://not-postgres" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("Invalid environment variable DATABASE_URL: expected a postgres:// or postgresql:// URL");
  });
});
