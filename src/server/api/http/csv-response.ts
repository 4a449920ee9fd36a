import { firstLine, log } from "@/lib/log";
import { acquireHeavyRead } from "@/server/services/limits/heavy-reads";

/**
 * A CSV download streamed from `start`'s row generator, as one heavy read of
 * `adminId` for as long as it streams (given back when it ends, fails or the
 * client goes away). Pull-based: the next page is read only when the client
 * has taken the previous one, so memory stays at one page.
 */
export async function csvResponse(
  adminId: string,
  filename: string,
  start: () => Promise<AsyncGenerator<string>>,
  logLabel: string,
): Promise<Response> {
  const release = acquireHeavyRead(adminId);
  let rows: AsyncGenerator<string>;
  try {
    rows = await start();
  } catch (err) {
    release();
    throw err;
  }
  const encoder = new TextEncoder();
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
        log(logLabel).error(firstLine(err));
        controller.error(err);
      }
    },
    async cancel() {
      release();
      await rows.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}
