import { ZodError, z } from "zod";
import { env } from "@/lib/env";
import { jsonResponse } from "@/server/api/http/json";
import type { TServiceCtx, WebhookActor } from "@/server/services/context";
import { systemActor } from "@/server/services/context";
import { consumeRateLimit } from "@/server/services/limits/rate-limit";
import { authenticateApiKey, mainAppActor, touchApiKey } from "@/server/services/messaging/api-keys";
import { readBoundedText } from "./http/body";
import { errorResponse } from "./http/errors";
import { routeHandler } from "./http/route-handler";

type THandler<P> = (args: {
  request: Request;
  /** Acting as the main app, under the key's name. */
  ctx: TServiceCtx<WebhookActor>;
  params: P;
  /** The JSON body, read at most MAX_BODY_BYTES (413 above); a 400 naming `body` when it is not JSON. */
  body: () => Promise<unknown>;
}) => Promise<{ status?: number; data: unknown }>;

/**
 * The main app's HTTP API (docs/api.md), on the one route handler: the API
 * key first (401 before anything is read or written), then its rate limit
 * (429 with Retry-After), then the path's ids, then the handler; a body is
 * read only up to MAX_BODY_BYTES.
 */
export function apiRoute<P extends Record<string, string>>(idParams: (keyof P & string)[], handler: THandler<P>) {
  return routeHandler<{ public: ReturnType<typeof systemActor> }, P>({ public: systemActor("api") }, async ({ request, ctx, params }) => {
    const key = await authenticateApiKey(ctx.db, request.headers.get("authorization"));
    if (!key) return errorResponse(401, "Missing, unknown or revoked API key: send Authorization: Bearer <key>");
    const limit = env().API_RATE_LIMIT_PER_MINUTE;
    const rate = await consumeRateLimit(ctx.db, `api:${key.id}`, { limit, periodMs: 60_000 });
    if (!rate.allowed) {
      return errorResponse(429, `This key made more than ${limit} requests in a minute; slow down`, {
        headers: { "retry-after": String(rate.retryAfterSeconds) },
      });
    }
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
    const result = await handler({ request, ctx: { ...ctx, actor: mainAppActor(key.name) }, params, body });
    await touchApiKey(ctx.db, key.id);
    return jsonResponse({ data: result.data }, { status: result.status ?? 200, headers: { "cache-control": "no-store" } });
  });
}
