import { ZodError, z } from "zod";
import { getDb } from "@/server/db";
import type { Db } from "@/server/db/client";
import { DomainError } from "@/server/services/errors";
import { authenticateApiKey, touchApiKey } from "@/server/services/messaging/api-keys";

const STATUS: Record<DomainError["code"], number> = { NOT_FOUND: 404, CONFLICT: 409, FORBIDDEN: 403, BAD_REQUEST: 400, UNAVAILABLE: 503 };

type THandler<P> = (args: {
  request: Request;
  db: Db;
  key: { id: string; name: string };
  params: P;
}) => Promise<{ status?: number; data: unknown }>;

const error = (status: number, message: string, fields?: Record<string, string[]>) =>
  Response.json({ error: { message, ...(fields ? { fields } : {}) } }, { status, headers: { "cache-control": "no-store" } });

/**
 * The main app's HTTP API (docs/api.md): the API key first (401 before
 * anything is read or written), then the path's ids, then the handler; domain
 * and validation errors become 4xx with the field named; anything else a
 * logged 500 that reveals nothing.
 */
export function apiRoute<P extends Record<string, string>>(idParams: (keyof P & string)[], handler: THandler<P>) {
  return async (request: Request, context: { params: Promise<P> }) => {
    const db = await getDb();
    const key = await authenticateApiKey(db, request.headers.get("authorization"));
    if (!key) return error(401, "Missing, unknown or revoked API key: send Authorization: Bearer <key>");
    const params = await context.params;
    for (const name of idParams) {
      if (!z.guid().safeParse(params[name]).success) return error(400, `${name} is not a valid id`, { [name]: ["Not a valid id"] });
    }
    try {
      const result = await handler({ request, db, key, params });
      await touchApiKey(db, key.id);
      return Response.json({ data: result.data }, { status: result.status ?? 200, headers: { "cache-control": "no-store" } });
    } catch (err) {
      if (err instanceof ZodError) {
        const flat = z.flattenError(err);
        return error(400, "The request body is not valid", flat.fieldErrors as Record<string, string[]>);
      }
      if (err instanceof DomainError) return error(STATUS[err.code], err.message);
      console.error(
        `[api] ${request.method} ${new URL(request.url).pathname}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      );
      return error(500, "Something went wrong on our side");
    }
  };
}

/** The JSON body, or a 400-worthy error when it is not JSON. */
export async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ZodError([{ code: "custom", path: ["body"], message: "The body is not valid JSON", input: undefined }]);
  }
}
