import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EnvError, jobsMode, parseEnv } from "@/lib/env";

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

  it("requires an owner and a secret when pointed at a real database in production", () => {
    expect(lines({ NODE_ENV: "production", DATABASE_URL: "postgres://h/db" })).toEqual([
      "Missing environment variable AUTH_SECRET: required with DATABASE_URL in production (openssl rand -base64 32)",
      "Missing environment variable CRM_OWNER_EMAIL: required with DATABASE_URL (the first owner's email address)",
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
