import { env, localOutboxVisible } from "@/lib/env";
import { readBoundedText } from "@/server/api/http/body";
import { errorResponse } from "@/server/api/http/errors";
import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { simulateReply } from "@/server/services/messaging/outbox";

export const dynamic = "force-dynamic";

/**
 * POST /api/dev/outbox/<id>/reply (a form: from, content): locally, answer an
 * outbox email as its reader would. Exists only where the outbox does: a 404
 * anywhere else, before the body is read; refused from another site; the
 * body is read at most MAX_BODY_BYTES.
 */
export const POST = routeHandler<{ public: ReturnType<typeof systemActor> }, { id: string }>(
  { public: systemActor("dev-outbox") },
  async ({ request, ctx, params }) => {
    if (!localOutboxVisible()) return errorResponse(404, "Not found");
    if (request.headers.get("sec-fetch-site") === "cross-site") return errorResponse(403, "Refused from another site");
    const form = new URLSearchParams(await readBoundedText(request, env().MAX_BODY_BYTES));
    const result = await simulateReply({
      ctx,
      input: { id: params.id, from: form.get("from") ?? "", content: form.get("content") ?? "" },
    });
    // On APP_URL, not the request's host: behind the standalone server that is 0.0.0.0.
    return Response.redirect(new URL(`/dev/outbox/${params.id}?reply=${result.outcome}`, env().APP_URL), 303);
  },
);
