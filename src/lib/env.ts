import { createECDH } from "node:crypto";
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
  /** Embedded default only: a demo user does something every this many seconds, so the live feed moves (0 turns it off). */
  DEMO_ACTIVITY_SECONDS: withDefault(z.coerce.number().int().min(0).max(3600), 10),

  APP_URL: withDefault(z.url({ message: "expected an absolute URL such as https://crm.vibrationfit.com" }), "http://localhost:3000"),
  AUTH_SECRET: optional(z.string().min(32, { message: "expected at least 32 characters (openssl rand -base64 32)" })),
  /** The AUTH_SECRET before a rotation: unsubscribe links in emails already sent keep working (docs/security.md). */
  AUTH_SECRET_PREVIOUS: optional(z.string().min(32, { message: "expected at least 32 characters" })),
  CRM_OWNER_EMAIL: optional(z.email({ message: "expected an email address" })),

  EMAIL_FROM: withDefault(z.string().min(3), "VibrationFit CRM <crm@vibrationfit.local>"),
  EMAIL_REPLY_TO: optional(z.email({ message: "expected an email address" })),
  /**
   * The domain Resend receives replies on (e.g. inbound.crm.vibrationfit.com): one-on-one emails
   * are sent with Reply-To reply+<signed thread token>@<domain>, and replies come back into the thread.
   * Unset: replies go to EMAIL_REPLY_TO (locally, the embedded default uses reply.localhost).
   */
  INBOUND_EMAIL_DOMAIN: optional(
    z
      .string()
      .toLowerCase()
      .regex(/^(?=.{3,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        message: "expected a domain such as inbound.crm.vibrationfit.com",
      }),
  ),
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
  /**
   * Minutes between full recomputes of the users list's plan and spend (they read every user, subscription and
   * payment of the main app); the refreshes in between add only new signups. An admin's "Refresh" always recomputes.
   */
  USER_STATS_REFRESH_MINUTES: withDefault(z.coerce.number().int().min(1).max(1440), 15),
  SEGMENTS_RECOMPUTE_CRON: withDefault(z.string().min(9), "*/15 * * * *"),
  AUTOMATIONS_CRON: withDefault(z.string().min(9), "* * * * *"),
  /** Requests per second to the email provider for campaign batches (Resend's default limit is 2). */
  CAMPAIGN_SEND_RATE: withDefault(z.coerce.number().int().min(1).max(100), 2),

  /**
   * Web Push (RFC 8292 VAPID): the application server's P-256 key pair, base64url, as `npm run push:keys`
   * prints it, and a contact for the push services. All three, or none (push is then "not configured").
   */
  VAPID_PUBLIC_KEY: optional(
    z.string().regex(/^B[A-Za-z0-9_-]{86}$/, {
      message: "expected a base64url P-256 public key (87 characters starting with B): run npm run push:keys",
    }),
  ),
  VAPID_PRIVATE_KEY: optional(
    z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: "expected a base64url P-256 private key (43 characters): run npm run push:keys" }),
  ),
  VAPID_SUBJECT: optional(
    z.string().regex(/^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/[^\s/]+\S*)$/, {
      message: "expected mailto:someone@example.com or an https:// URL (the push services contact you there)",
    }),
  ),
  /** Push requests per second to the push services, across campaign batches (every instance together: one batch runs at a time). */
  PUSH_SEND_RATE: withDefault(z.coerce.number().int().min(1).max(100_000), 500),
  /**
   * Push services the CRM sends to, comma-separated hosts; "*.example.com" matches subdomains, ":port" or ":*" a port.
   * A subscription whose endpoint is elsewhere is refused. Unset: the browsers' push services (see DEFAULT_PUSH_SERVICE_HOSTS).
   */
  PUSH_SERVICE_HOSTS: optional(
    z.string().regex(/^\s*[*.a-z0-9:[\]-]+(\s*,\s*[*.a-z0-9:[\]-]+)*\s*$/i, {
      message: "expected comma-separated hosts such as fcm.googleapis.com,*.push.services.mozilla.com",
    }),
  ),
  /** The main app's public URL: push notifications may lead there (and to PUSH_LINK_ORIGINS), nowhere else. */
  MAIN_APP_URL: withDefault(z.url({ message: "expected an absolute URL such as https://vibrationfit.com" }), "https://vibrationfit.com"),
  /** Other origins push notifications may lead to, comma-separated (e.g. https://help.vibrationfit.com). */
  PUSH_LINK_ORIGINS: optional(z.string().max(2000)),

  /** Statement timeout of the connections that serve requests (ms); jobs get JOB_STATEMENT_TIMEOUT_MS. */
  STATEMENT_TIMEOUT_MS: withDefault(z.coerce.number().int().min(100).max(600_000), 15_000),
  JOB_STATEMENT_TIMEOUT_MS: withDefault(z.coerce.number().int().min(1_000).max(3_600_000), 600_000),
  /** Heavy reads (segment preview, users count, CSV export) one admin may run at once. */
  MAX_HEAVY_READS_PER_ADMIN: withDefault(z.coerce.number().int().min(1).max(20), 2),
  /** Live-feed streams one admin may hold open at once (tabs). */
  MAX_LIVE_STREAMS_PER_ADMIN: withDefault(z.coerce.number().int().min(1).max(50), 5),
  /** Sign-in links per address, and sign-in requests per client IP, per 15 minutes (see signInLimits). */
  SIGN_IN_LIMIT_PER_ADDRESS: optional(z.coerce.number().int().min(1).max(10_000)),
  SIGN_IN_LIMIT_PER_IP: optional(z.coerce.number().int().min(1).max(100_000)),
  /** Requests per minute one API key may make to /api/v1. */
  API_RATE_LIMIT_PER_MINUTE: withDefault(z.coerce.number().int().min(1).max(100_000), 300),
  /** Largest request body of webhooks and /api/v1, in bytes. */
  MAX_BODY_BYTES: withDefault(z.coerce.number().int().min(1024).max(10_000_000), 262_144),
  /** Proxies in front of the CRM that append to X-Forwarded-For (the client IP is the address before them). */
  TRUSTED_PROXY_HOPS: withDefault(z.coerce.number().int().min(0).max(5), 1),
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
  const production = env.NODE_ENV === "production";
  if (production && env.DATABASE_URL && !env.AUTH_SECRET) {
    problems.push("Missing environment variable AUTH_SECRET: required with DATABASE_URL in production (openssl rand -base64 32)");
  }
  if (env.DATABASE_URL && !env.CRM_OWNER_EMAIL) {
    problems.push("Missing environment variable CRM_OWNER_EMAIL: required with DATABASE_URL (the first owner's email address)");
  }
  // The local outbox would keep every email, sign-in links included, where nobody should read them: production sends for real.
  if (production && env.DATABASE_URL && !env.RESEND_API_KEY) {
    problems.push(
      "Missing environment variable RESEND_API_KEY: required with DATABASE_URL in production (the local outbox exists only on the embedded database)",
    );
  }
  // Sign-in links, callbacks and cookie security derive from APP_URL, never from a request's Host header.
  if (production && env.DATABASE_URL && emptyToUndefined(source.APP_URL) === undefined) {
    problems.push("Missing environment variable APP_URL: required with DATABASE_URL in production (the CRM's public https:// URL)");
  }
  const inngestDev = Boolean(env.INNGEST_DEV && !["0", "false", "no"].includes(env.INNGEST_DEV));
  if (production && inngestDev) {
    problems.push("Invalid environment variable INNGEST_DEV: not allowed in production (the Dev Server runs functions unsigned)");
  }
  if (env.INNGEST_SIGNING_KEY && !env.INNGEST_EVENT_KEY) {
    problems.push("Missing environment variable INNGEST_EVENT_KEY: required with INNGEST_SIGNING_KEY");
  }
  if (env.INNGEST_EVENT_KEY && !env.INNGEST_SIGNING_KEY && !inngestDev) {
    problems.push(
      "Missing environment variable INNGEST_SIGNING_KEY: required with INNGEST_EVENT_KEY (Inngest's calls are verified with it)",
    );
  }
  problems.push(...vapidProblems(env));
  if (problems.length) throw new EnvError(problems);
  return env;
}

const VAPID_NAMES = ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"] as const;

/** All three VAPID variables or none, and a private key that belongs to the public one. */
function vapidProblems(env: TEnv): string[] {
  const set = VAPID_NAMES.filter((n) => env[n]);
  if (set.length === 0) return [];
  if (set.length < VAPID_NAMES.length) {
    return VAPID_NAMES.filter((n) => !env[n]).map(
      (n) => `Missing environment variable ${n}: required with ${set.join(" and ")} (push needs all three; npm run push:keys)`,
    );
  }
  try {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(env.VAPID_PRIVATE_KEY as string, "base64url"));
    if (ecdh.getPublicKey().toString("base64url") !== env.VAPID_PUBLIC_KEY) {
      return [
        "Invalid environment variable VAPID_PRIVATE_KEY: it does not belong to VAPID_PUBLIC_KEY (set both from one npm run push:keys)",
      ];
    }
  } catch {
    return ["Invalid environment variable VAPID_PRIVATE_KEY: not a P-256 private key (npm run push:keys)"];
  }
  return [];
}

export type TPushConfig = { publicKey: string; privateKey: string; subject: string };

/** The VAPID key pair and subject, or null: push is not configured. */
export function pushConfig(e: TEnv = env()): TPushConfig | null {
  if (!e.VAPID_PUBLIC_KEY || !e.VAPID_PRIVATE_KEY || !e.VAPID_SUBJECT) return null;
  return { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT };
}

/** The browsers' push services: Chrome/Edge/Android (FCM), Firefox, Windows, Safari. */
export const DEFAULT_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "*.push.services.mozilla.com", "*.notify.windows.com", "*.push.apple.com"];

export const pushServiceHosts = (e: TEnv = env()): string[] =>
  e.PUSH_SERVICE_HOSTS
    ? e.PUSH_SERVICE_HOSTS.split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean)
    : DEFAULT_PUSH_SERVICE_HOSTS;

/** Where push notifications may lead: the main app's origin and PUSH_LINK_ORIGINS. */
export function pushLinkOrigins(e: TEnv = env()): string[] {
  const extra = (e.PUSH_LINK_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)
    .flatMap((o) => {
      try {
        return [new URL(o).origin];
      } catch {
        return [];
      }
    });
  return [new URL(e.MAIN_APP_URL).origin, ...extra];
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

/**
 * The local outbox is browsable (the /dev/outbox pages, sign-in links in the
 * log, the owner named on the sign-in page) only on the embedded database with
 * no provider: a developer's own machine, never a shared database.
 */
export const localOutboxVisible = (e: TEnv = env()): boolean => databaseMode(e) === "embedded" && emailMode(e) === "local-outbox";

/** Where replies to one-on-one emails arrive: INBOUND_EMAIL_DOMAIN, or reply.localhost on the local outbox (to simulate replies); none otherwise. */
export function inboundEmailDomain(e: TEnv = env()): string | null {
  return e.INBOUND_EMAIL_DOMAIN ?? (localOutboxVisible(e) ? "reply.localhost" : null);
}

/**
 * Sign-in limits per 15 minutes: 5 links per address and 20 requests per
 * client IP, unless set. On the embedded local default (one developer, who
 * may run the browser tests many times) they are 1,000 each.
 */
export function signInLimits(e: TEnv = env()): { perAddress: number; perIp: number } {
  const local = databaseMode(e) === "embedded";
  return {
    perAddress: e.SIGN_IN_LIMIT_PER_ADDRESS ?? (local ? 1000 : 5),
    perIp: e.SIGN_IN_LIMIT_PER_IP ?? (local ? 1000 : 20),
  };
}

export type EmailMode = "resend" | "local-outbox";
export const emailMode = (e: TEnv = env()): EmailMode => (e.RESEND_API_KEY ? "resend" : "local-outbox");

export type JobsMode = "inngest-dev" | "inngest-cloud" | "in-process";
export function jobsMode(e: TEnv = env()): JobsMode {
  if (e.INNGEST_DEV && !["0", "false", "no"].includes(e.INNGEST_DEV)) return "inngest-dev";
  if (e.INNGEST_EVENT_KEY && e.INNGEST_SIGNING_KEY) return "inngest-cloud";
  return "in-process";
}
