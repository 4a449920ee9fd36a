import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { firstLine, log } from "@/lib/log";
import { type DomainError, TooManyRequestsError } from "@/server/services/errors";
import { jsonResponse } from "./json";

/** Every domain error's tRPC code and HTTP status, in one table used by tRPC and by every route handler. */
export const DOMAIN_ERRORS: Record<DomainError["code"], { trpc: TRPC_ERROR_CODE_KEY; http: number }> = {
  BAD_REQUEST: { trpc: "BAD_REQUEST", http: 400 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  TOO_MANY_REQUESTS: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  UNAVAILABLE: { trpc: "SERVICE_UNAVAILABLE", http: 503 },
};

/** A request body over its limit (413), found before or while reading it. */
export class BodyTooLargeError extends Error {
  constructor(public readonly maxBytes: number) {
    super(`The request body is larger than ${Math.round(maxBytes / 1024)} KB`);
    this.name = "BodyTooLargeError";
  }
}

const noStore = { "cache-control": "no-store" };

/** `{ error: { message, fields? } }` with a status, never cached. */
export function errorResponse(status: number, message: string, extra: { fields?: Record<string, string[]>; headers?: HeadersInit } = {}) {
  return jsonResponse(
    { error: { message, ...(extra.fields ? { fields: extra.fields } : {}) } },
    { status, headers: { ...noStore, ...(extra.headers as Record<string, string> | undefined) } },
  );
}

/** A domain error as the HTTP answer the table gives it (Retry-After on 429). */
export function domainErrorResponse(err: DomainError) {
  const headers = err instanceof TooManyRequestsError ? { "retry-after": String(err.retryAfterSeconds) } : undefined;
  return errorResponse(DOMAIN_ERRORS[err.code].http, err.message, { headers });
}

/**
 * An unexpected error: logged with the request id, answered with only that
 * id. Neither SQL, nor parameters, nor a stack reach the caller.
 */
export function internalErrorResponse(err: unknown, where: string, requestId: string) {
  log(where).error(firstLine(err), { requestId });
  return errorResponse(500, `Something went wrong on our side (request ${requestId})`);
}
