import { z } from "zod";

/**
 * Validated configuration. Every variable the CRM reads is declared here and
 * listed in `.env.example`. An empty string counts as "not set", so a blank
 * line in a .env file never silently changes behaviour.
 */

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(emptyToUndefined, schema.default(fallback as never));

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), { message: "expected a postgres:// or postgresql:// URL" });

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: "expected a lower-case SQL identifier such as app" });

export const ZEnv = z.object({
  NODE_ENV: withDefault(z.enum(["development", "test", "production"]), "development"),
  /** Set: postgres-js against that database. Unset: embedded PGlite. */
  DATABASE_URL: optional(postgresUrl),
  PGLITE_DIR: withDefault(z.string(), ".data/pglite"),
  /** Postgres schema that holds the main app's (read-only) tables. */
  SOURCE_SCHEMA: withDefault(identifier, "app"),
  /** Seed this many demo users into an empty embedded database on first start (0 turns it off). */
  DEMO_SEED_USERS: withDefault(z.coerce.number().int().min(0).max(50_000), 2000),

  APP_URL: withDefault(z.url({ message: "expected an absolute URL such as https://crm.vibrationfit.com" }), "http://localhost:3000"),
  AUTH_SECRET: optional(z.string().min(32, { message: "expected at least 32 characters (openssl rand -base64 32)" })),
  CRM_OWNER_EMAIL: optional(z.email({ message: "expected an email address" })),

  EMAIL_FROM: withDefault(z.string().min(3), "VibrationFit CRM <crm@vibrationfit.local>"),
  EMAIL_REPLY_TO: optional(z.email({ message: "expected an email address" })),
  COMPANY_POSTAL_ADDRESS: withDefault(z.string().min(5), "VibrationFit, 123 Example Street, Austin, TX 78701, USA"),
  RESEND_API_KEY: optional(z.string().startsWith("re_", { message: "expected a Resend API key starting with re_" })),
  RESEND_BASE_URL: optional(z.url({ message: "expected an absolute URL" })),
  RESEND_WEBHOOK_SECRET: optional(z.string().startsWith("whsec_", { message: "expected a signing secret starting with whsec_" })),

  /** "1" (or the Dev Server's URL) sends events to a local Inngest Dev Server. */
  INNGEST_DEV: optional(z.string()),
  INNGEST_BASE_URL: optional(z.url({ message: "expected an absolute URL" })),
  INNGEST_EVENT_KEY: optional(z.string().min(1)),
  INNGEST_SIGNING_KEY: optional(z.string().min(1)),
  /** Cron expression for the heartbeat job (proves the background path). */
  HEARTBEAT_CRON: withDefault(z.string().min(9), "*/5 * * * *"),
  /** Cron expression for moving the analytics rollups forward. */
  ANALYTICS_REFRESH_CRON: withDefault(z.string().min(9), "*/3 * * * *"),
  SEGMENTS_RECOMPUTE_CRON: withDefault(z.string().min(9), "*/15 * * * *"),
  /** Requests per second to the email provider for campaign batches (Resend's default limit is 2). */
  CAMPAIGN_SEND_RATE: withDefault(z.coerce.number().int().min(1).max(100), 2),
});

export type TEnv = z.infer<typeof ZEnv>;

export class EnvError extends Error {
  constructor(public readonly lines: string[]) {
    super(lines.join("\n"));
    this.name = "EnvError";
  }
}

/** Parse an environment; throws EnvError with one readable line per bad variable. */
export function parseEnv(source: Record<string, string | undefined>): TEnv {
  const result = ZEnv.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join(".") || "(environment)";
      return `Invalid environment variable ${name}: ${issue.message}`;
    });
    throw new EnvError(lines);
  }
  const env = result.data;
  const problems: string[] = [];
  if (env.NODE_ENV === "production" && env.DATABASE_URL && !env.AUTH_SECRET) {
    problems.push("Missing environment variable AUTH_SECRET: required with DATABASE_URL in production (openssl rand -base64 32)");
  }
  if (env.DATABASE_URL && !env.CRM_OWNER_EMAIL) {
    problems.push("Missing environment variable CRM_OWNER_EMAIL: required with DATABASE_URL (the first owner's email address)");
  }
  if (env.INNGEST_SIGNING_KEY && !env.INNGEST_EVENT_KEY) {
    problems.push("Missing environment variable INNGEST_EVENT_KEY: required with INNGEST_SIGNING_KEY");
  }
  if (problems.length) throw new EnvError(problems);
  return env;
}

let cached: TEnv | undefined;

/** The process environment, parsed once. */
export function env(): TEnv {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache() {
  cached = undefined;
}

export const DEFAULT_LOCAL_OWNER_EMAIL = "owner@vibrationfit.local";

export function ownerEmail(e: TEnv = env()): string {
  return (e.CRM_OWNER_EMAIL ?? DEFAULT_LOCAL_OWNER_EMAIL).toLowerCase();
}

export type DatabaseMode = "postgres" | "embedded";
export const databaseMode = (e: TEnv = env()): DatabaseMode => (e.DATABASE_URL ? "postgres" : "embedded");

export type EmailMode = "resend" | "local-outbox";
export const emailMode = (e: TEnv = env()): EmailMode => (e.RESEND_API_KEY ? "resend" : "local-outbox");

export type JobsMode = "inngest-dev" | "inngest-cloud" | "in-process";
export function jobsMode(e: TEnv = env()): JobsMode {
  if (e.INNGEST_DEV && !["0", "false", "no"].includes(e.INNGEST_DEV)) return "inngest-dev";
  if (e.INNGEST_EVENT_KEY && e.INNGEST_SIGNING_KEY) return "inngest-cloud";
  return "in-process";
}
