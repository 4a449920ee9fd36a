import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { simulateReply } from "@/server/services/messaging/outbox";

export const dynamic = "force-dynamic";

/**
 * POST /api/dev/outbox/<id>/reply (a form: from, content): locally, answer an
 * outbox email as its reader would. Exists only where the outbox does (404
 * anywhere else); refused from another site.
 */
export const POST = routeHandler<{ public: ReturnType<typeof systemActor> }, { id: string }>(
  { public: systemActor("dev-outbox") },
  async ({ request, ctx, params }) => {
    if (request.headers.get("sec-fetch-site") === "cross-site")
      return Response.json({ error: "Refused from another site" }, { status: 403 });
    const form = await request.formData();
    const result = await simulateReply({
      ctx,
      input: { id: params.id, from: String(form.get("from") ?? ""), content: String(form.get("content") ?? "") },
    });
    const to = new URL(`/dev/outbox/${params.id}?reply=${result.outcome}`, request.url);
    return Response.redirect(to, 303);
  },
);
