import { EnvError, env, jobsMode } from "@/lib/env";
import { getDatabase, getDb } from "@/server/db";
import { runEventInProcess, startInProcessRunner } from "@/server/jobs/in-process-runner";

/**
 * Server start: validate configuration (one clear line per problem, then
 * exit), open and migrate the database (seeding the embedded default on first
 * start), and start the in-process job runner when no Inngest is configured.
 */
export async function boot() {
  try {
    env();
  } catch (err) {
    if (err instanceof EnvError) {
      for (const line of err.lines) console.error(line);
      process.exit(1);
    }
    throw err;
  }
  if (jobsMode() === "in-process") startInProcessRunner(getDb);
  try {
    await getDatabase();
    // Without Inngest nothing else brings the analytics rollups up to date before the first
    // cron tick: do it now, in the background (the numbers are exact either way, just slower).
    if (jobsMode() === "in-process")
      void runEventInProcess(getDb, "crm/analytics.refresh.requested", { requestedBy: "boot" }).catch(() => {});
  } catch (err) {
    console.error(`[db] The database could not be opened: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
}
