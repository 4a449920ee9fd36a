import { databaseMode, env, jobsMode, ownerEmail } from "@/lib/env";
import { getDatabase } from "@/server/db";
import { startDemoActivity } from "@/server/demo-activity";
import { jobEvent } from "@/server/jobs/events";
import { startJobEngine } from "@/server/runtime";
import { ensureBootstrapOwner } from "@/server/services/admins/ensure-bootstrap-owner";
import { seedEmbeddedOnFirstStart } from "@/server/services/demo-data/seed-on-first-start";

/**
 * Server start (configuration already checked by instrumentation.ts): open
 * and migrate the database, make sure the CRM has an owner, seed the
 * embedded default on first start, and without Inngest start this
 * process's job engine (which brings the analytics rollups up to date at
 * once, so the first dashboard view is cheap).
 */
export async function boot() {
  // APP_URL is the CRM's one address: next-auth builds links, callbacks and cookies from it, never from a request's Host.
  process.env.AUTH_URL = new URL(env().APP_URL).origin;
  try {
    const handle = await getDatabase();
    await ensureBootstrapOwner(handle.db, ownerEmail());
    if (databaseMode() === "embedded") await seedEmbeddedOnFirstStart(handle, env());
    startDemoActivity();
  } catch (err) {
    console.error(`[db] The database could not be opened: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return;
  }
  if (jobsMode() === "in-process") {
    const engine = await startJobEngine();
    await engine.enqueue(jobEvent("crm/analytics.refresh.requested", { requestedBy: "boot" }));
  }
}
