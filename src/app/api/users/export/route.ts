import { routeHandler } from "@/server/api/http/route-handler";
import { InvalidInputError } from "@/server/services/errors";
import { acquireHeavyRead } from "@/server/services/limits/heavy-reads";
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
  // A heavy read for as long as the file streams: given back when it ends, fails or the client goes away.
  const release = acquireHeavyRead(ctx.actor.id);
  let rows: Awaited<ReturnType<typeof startUsersExport>>;
  try {
    rows = await startUsersExport({ ctx, input: { filters, sort: sort.sort, dir: sort.dir, timeZone: tz.data } });
  } catch (err) {
    release();
    throw err;
  }
  const encoder = new TextEncoder();
  // Pull-based: the next page is read only when the client has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await rows.next();
        if (next.done) {
          release();
          controller.close();
        } else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        release();
        console.error(`[users export] ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
        controller.error(err);
      }
    },
    async cancel() {
      release();
      await rows.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="vibrationfit-users-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
});
