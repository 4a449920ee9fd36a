import { csvResponse } from "@/server/api/http/csv-response";
import { routeHandler } from "@/server/api/http/route-handler";
import { InvalidInputError } from "@/server/services/errors";
import { startUsersExport } from "@/server/services/users/export-users-csv";
import { ZTimezone } from "@/shared/schemas/analytics";
import { parseUsersQuery } from "@/shared/users-query";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/export?<the users list's query>&tz=<IANA zone>: the filtered
 * list as CSV, streamed page by page. Any signed-in admin (viewers too).
 */
export const GET = routeHandler({ role: "viewer" }, async ({ request, ctx }) => {
  const params = new URL(request.url).searchParams;
  const { filters, sort, dropped } = parseUsersQuery(params);
  if (dropped.length) {
    throw new InvalidInputError(`These filters are not valid: ${dropped.join(", ")}. Fix them in the list, then export again.`);
  }
  const tz = ZTimezone.safeParse(params.get("tz") ?? "UTC");
  if (!tz.success) throw new InvalidInputError("tz is not a known timezone");
  const stamp = new Date().toISOString().slice(0, 10);
  return csvResponse(
    ctx.actor.id,
    `vibrationfit-users-${stamp}.csv`,
    () => startUsersExport({ ctx, input: { filters, sort: sort.sort, dir: sort.dir, timeZone: tz.data } }),
    "users export",
  );
});
