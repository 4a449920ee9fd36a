import { parseUsersQuery } from "@/lib/users-query";
import { domainErrorResponse } from "@/server/api/http/errors";
import { createRequestContext } from "@/server/api/request-context";
import { ZTimezone } from "@/server/services/analytics/inputs";
import { TooManyRequestsError } from "@/server/services/errors";
import { acquireHeavyRead } from "@/server/services/limits/heavy-reads";
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
  // A heavy read for as long as the file streams: given back when it ends, fails or the client goes away.
  let release: () => void;
  try {
    release = acquireHeavyRead(ctx.admin.id);
  } catch (err) {
    if (err instanceof TooManyRequestsError) return domainErrorResponse(err);
    throw err;
  }
  let rows: Awaited<ReturnType<typeof startUsersExport>>;
  try {
    rows = await startUsersExport({ db: ctx.db, actor: ctx.admin }, { filters, sort: sort.sort, dir: sort.dir, timeZone: tz.data });
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
}
