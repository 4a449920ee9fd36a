import { parseUsersQuery } from "@/lib/users-query";
import { createRequestContext } from "@/server/api/request-context";
import { ZTimezone } from "@/server/services/analytics/inputs";
import { startUsersExport } from "@/server/services/users/export-users-csv";

export const dynamic = "force-dynamic";

/**
 * GET /api/users/export?<the users list's query>&tz=<IANA zone>: the filtered
 * list as CSV, streamed page by page. Any signed-in admin (viewers too).
 */
export async function GET(request: Request) {
  const ctx = await createRequestContext();
  if (!ctx.admin) return Response.json({ error: "Sign in to export users" }, { status: 401 });
  const params = new URL(request.url).searchParams;
  const { filters, sort, dropped } = parseUsersQuery(params);
  if (dropped.length) {
    return Response.json(
      { error: `These filters are not valid: ${dropped.join(", ")}. Fix them in the list, then export again.` },
      { status: 400 },
    );
  }
  const tz = ZTimezone.safeParse(params.get("tz") ?? "UTC");
  if (!tz.success) return Response.json({ error: "tz is not a known timezone" }, { status: 400 });
  const rows = await startUsersExport({ db: ctx.db, actor: ctx.admin }, { filters, sort: sort.sort, dir: sort.dir, timeZone: tz.data });
  const encoder = new TextEncoder();
  // Pull-based: the next page is read only when the client has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await rows.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        console.error(`[users export] ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
        controller.error(err);
      }
    },
    async cancel() {
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
}
