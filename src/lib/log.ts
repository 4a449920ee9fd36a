import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";

/*
 * The server's one logger. In production: structured JSON lines on stdout
 * (pino), each with the id of the request it belongs to (`requestId`, the
 * x-request-id every response carries and every "something went wrong"
 * message names). Elsewhere: the same fields, as one readable line.
 * Secrets and sign-in links are never passed to it in production.
 */

type TRequestContext = { requestId: string };
const requestContext = new AsyncLocalStorage<TRequestContext>();

/** Runs `fn` with `requestId` attached to every line it logs, however deep. */
export const withRequestId = <T>(requestId: string, fn: () => T): T => requestContext.run({ requestId }, fn);

const production = process.env.NODE_ENV === "production";

const base = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  mixin: () => {
    const ctx = requestContext.getStore();
    return ctx ? { requestId: ctx.requestId } : {};
  },
});

type TFields = Record<string, unknown>;
type TLevel = "info" | "warn" | "error";

function write(level: TLevel, scope: string, msg: string, fields?: TFields) {
  if (production) {
    base[level]({ scope, ...fields }, msg);
    return;
  }
  const id = requestContext.getStore()?.requestId;
  const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : "";
  const line = `[${scope}]${id ? ` ${id}` : ""} ${msg}${extra}`;
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.info(line);
}

/** A logger for one part of the server: `log("jobs").info("…", { fields })`. */
export const log = (scope: string) => ({
  info: (msg: string, fields?: TFields) => write("info", scope, msg, fields),
  warn: (msg: string, fields?: TFields) => write("warn", scope, msg, fields),
  error: (msg: string, fields?: TFields) => write("error", scope, msg, fields),
});

/** The first line of an error, for a log line (never its stack or the SQL's parameters). */
export const firstLine = (err: unknown) => (err instanceof Error ? (err.message.split("\n")[0] ?? err.name) : String(err));
