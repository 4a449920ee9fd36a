import { ZodError, z } from "zod";
import { env } from "@/lib/env";
import { getDb } from "@/server/db";
import type { Db } from "@/server/db/client";
import { DomainError } from "@/server/services/errors";
import { consumeRateLimit } from "@/server/services/limits/rate-limit";
import { authenticateApiKey, touchApiKey } from "@/server/services/messaging/api-keys";
import { readBoundedText, requestIdOf } from "./http/body";
import { BodyTooLargeError, domainErrorResponse, errorResponse, internalErrorResponse } from "./http/errors";

type THandler<P> = (args: {
  request: Request;
  db: Db;
  key: { id: string; name: string };
  params: P;
  /** The JSON body, read at most MAX_BODY_BYTES (413 above); a 400 naming `body` when it is not JSON. */
  body: () => Promise<unknown>;
}) => Promise<{ status?: number; data: unknown }>;

/**
 * The main app's HTTP API (docs/api.md): the API key first (401 before
 * anything is read or written), then its rate limit (429 with Retry-After),
 * then the path's ids, then the handler; a body is read only up to
 * MAX_BODY_BYTES. Domain and validation errors become 4xx with the field
 * named; anything else a logged 500 that names only the request id.
 */
export function apiRoute<P extends Record<string, string>>(idParams: (keyof P & string)[], handler: THandler<P>) {
  return async (request: Request, context: { params: Promise<P> }) => {
    const requestId = requestIdOf(request);
    try {
      const db = await getDb();
      const key = await authenticateApiKey(db, request.headers.get("authorization"));
      if (!key) return errorResponse(401, "Missing, unknown or revoked API key: send Authorization: Bearer <key>");
      const rate = await consumeRateLimit(db, `api:${key.id}`, { limit: env().API_RATE_LIMIT_PER_MINUTE, periodMs: 60_000 });
      if (!rate.allowed) {
        return errorResponse(429, `This key made more than ${env().API_RATE_LIMIT_PER_MINUTE} requests in a minute; slow down`, {
          headers: { "retry-after": String(rate.retryAfterSeconds) },
        });
      }
      const params = await context.params;
      for (const name of idParams) {
        if (!z.guid().safeParse(params[name]).success)
          return errorResponse(400, `${name} is not a valid id`, { fields: { [name]: ["Not a valid id"] } });
      }
      const body = async () => {
        const text = await readBoundedText(request, env().MAX_BODY_BYTES);
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new ZodError([{ code: "custom", path: ["body"], message: "The body is not valid JSON", input: undefined }]);
        }
      };
      const result = await handler({ request, db, key, params, body });
      await touchApiKey(db, key.id);
      return Response.json({ data: result.data }, { status: result.status ?? 200, headers: { "cache-control": "no-store" } });
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errorResponse(413, err.message);
      if (err instanceof ZodError) {
        const flat = z.flattenError(err);
        return errorResponse(400, "The request body is not valid", { fields: flat.fieldErrors as Record<string, string[]> });
      }
      if (err instanceof DomainError) return domainErrorResponse(err);
      return internalErrorResponse(err, `api ${request.method} ${new URL(request.url).pathname}`, requestId);
    }
  };
}
