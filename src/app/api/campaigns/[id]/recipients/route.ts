import { csvResponse } from "@/server/api/http/csv-response";
import { routeHandler } from "@/server/api/http/route-handler";
import { startRecipientsExport } from "@/server/services/campaigns/campaign-recipients";
import { InvalidInputError } from "@/server/services/errors";
import { ZCampaignId, ZRecipientsQuery } from "@/shared/schemas/campaigns";

export const dynamic = "force-dynamic";

/**
 * GET /api/campaigns/<id>/recipients?filter=<stage>&search=<text>: the
 * campaign's recipients as CSV (the table's filter and search), streamed
 * page by page. Any signed-in admin (viewers too); audited.
 */
export const GET = routeHandler<{ role: "viewer" }, { id: string }>({ role: "viewer" }, async ({ request, ctx, params }) => {
  const id = ZCampaignId.safeParse({ id: params.id });
  if (!id.success) throw new InvalidInputError("Not a campaign id");
  const search = new URL(request.url).searchParams;
  const query = ZRecipientsQuery.safeParse({ filter: search.get("filter") ?? undefined, search: search.get("search") ?? undefined });
  if (!query.success) throw new InvalidInputError(query.error.issues.map((i) => i.message).join("; "));
  const stamp = new Date().toISOString().slice(0, 10);
  return csvResponse(
    ctx.actor.id,
    `campaign-recipients-${stamp}.csv`,
    async () => (await startRecipientsExport({ ctx, input: { id: id.data.id, ...query.data } })).rows,
    "recipients export",
  );
});
