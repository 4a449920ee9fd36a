import { env, jobsMode } from "@/lib/env";
import { getDatabase, getJobsDb } from "@/server/db";
import { runEventInProcess, startInProcessRunner } from "@/server/jobs/in-process-runner";

/**
 * Server start (configuration already checked by instrumentation.ts): open
 * and migrate the database (seeding the embedded default on first start),
 * and start the in-process job runner when no Inngest is configured.
 */
export async function boot() {
  // APP_URL is the CRM's one address: next-auth builds links, callbacks and cookies from it, never from a request's Host.
  process.env.AUTH_URL = new URL(env().APP_URL).origin;
  if (jobsMode() === "in-process") startInProcessRunner(getJobsDb);
  try {
    await getDatabase();
    // Without Inngest nothing else brings the analytics rollups up to date before the first
    // cron tick: do it now, in the background (the numbers are exact either way, just slower).
    if (jobsMode() === "in-process")
      void runEventInProcess(getJobsDb, "crm/analytics.refresh.requested", { requestedBy: "boot" }).catch(() => {});
  } catch (err) {
    console.error(`[db] The database could not be opened: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
}
