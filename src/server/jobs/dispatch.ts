import { jobsMode } from "@/lib/env";
import type { Db } from "@/server/db/client";
import { UnavailableError } from "@/server/services/errors";
import { runEventInProcess } from "./in-process-runner";

export type TDispatchResult = { mode: "inngest" | "in-process"; ids: string[] };

const SEND_TIMEOUT_MS = 5_000;

/**
 * The one way services raise background work. With Inngest configured the
 * event goes to Inngest (which runs the function); without, the same job runs
 * in this process in the background. An unreachable Inngest gives a clear
 * error within a few seconds, never a hang.
 */
export async function dispatchEvent(db: Db, event: { name: string; data: Record<string, unknown> }): Promise<TDispatchResult> {
  if (jobsMode() === "in-process") {
    void runEventInProcess(async () => db, event.name, event.data).catch(() => {});
    return { mode: "in-process", ids: [] };
  }
  const { inngest } = await import("~inngest/client");
  let timer: NodeJS.Timeout | undefined;
  try {
    const sent = await Promise.race([
      inngest.send(event as never),
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
