import { parseJobEvent, type TJobEvent } from "@/server/jobs/events";
import type { TEnqueueResult } from "@/server/jobs/port";
import { UnavailableError } from "@/server/services/errors";
import { inngest } from "./client";

const SEND_TIMEOUT_MS = 5_000;

/**
 * The jobs port's Inngest side: the events, checked against the catalogue,
 * sent to Inngest. An unreachable Inngest gives a clear error within a few
 * seconds, never a hang.
 */
export async function sendToInngest(events: TJobEvent | readonly TJobEvent[]): Promise<TEnqueueResult> {
  const list = (Array.isArray(events) ? events : [events as TJobEvent]).map((e) => ({ name: e.name, data: parseJobEvent(e.name, e.data) }));
  if (!list.length) return { mode: "inngest", ids: [] };
  let timer: NodeJS.Timeout | undefined;
  try {
    const sent = await Promise.race([
      inngest.send(list as never),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), SEND_TIMEOUT_MS);
      }),
    ]);
    return { mode: "inngest", ids: (sent as { ids: string[] }).ids };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new UnavailableError(`The background job server (Inngest) could not be reached: ${reason}. Check INNGEST_* settings.`);
  } finally {
    clearTimeout(timer);
  }
}
