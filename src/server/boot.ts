import { eq } from "drizzle-orm";
import { databaseMode, env, jobsMode, ownerEmail } from "@/lib/env";
import { firstLine, log } from "@/lib/log";
import { getDatabase } from "@/server/db";
import type { Db } from "@/server/db/client";
import { crmAdmins } from "@/server/db/schema";
import { setActivitySimulation, startDemoActivity } from "@/server/demo-activity";
import { jobEvent } from "@/server/jobs/events";
import { serviceContext, startJobEngine } from "@/server/runtime";
import { ensureBootstrapOwner } from "@/server/services/admins/ensure-bootstrap-owner";
import type { AdminActor } from "@/server/services/context";
import { seedDemoCrmContent } from "@/server/services/demo-data/seed-crm-content";
import { seedEmbeddedOnFirstStart } from "@/server/services/demo-data/seed-on-first-start";

/**
 * Server start (configuration already checked by instrumentation.ts): open
 * and migrate the database, make sure the CRM has an owner, seed the
 * embedded default on first start, and without Inngest start this
 * process's job engine (which brings the analytics rollups up to date at
 * once, so the first dashboard view is cheap).
 */
/** The demo's segments, templates, campaigns and conversations, made by the owner through the services (seed-crm-content.ts). */
async function seedDemoContentAsOwner(db: Db) {
  const [owner] = await db.select().from(crmAdmins).where(eq(crmAdmins.email, ownerEmail()));
  if (!owner) return;
  const t = Date.now();
  try {
    const actor: AdminActor = { type: "admin", id: owner.id, email: owner.email, role: owner.role };
    await seedDemoCrmContent({ ctx: serviceContext(db, actor) });
    log("demo-data").info(`CRM demo content (segments, templates, campaigns, conversations) in ${((Date.now() - t) / 1000).toFixed(1)} s.`);
  } catch (err) {
    // The demo is a convenience: the CRM works without it.
    log("demo-data").warn(`CRM demo content skipped: ${firstLine(err)}`);
  }
}

export async function boot() {
  // APP_URL is the CRM's one address: next-auth builds links, callbacks and cookies from it, never from a request's Host.
  process.env.AUTH_URL = new URL(env().APP_URL).origin;
  try {
    const handle = await getDatabase();
    await ensureBootstrapOwner(handle.db, ownerEmail());
    if (databaseMode() === "embedded" && (await seedEmbeddedOnFirstStart(handle, env()))) {
      await seedDemoContentAsOwner(handle.db);
    }
    startDemoActivity();
  } catch (err) {
    log("db").error(`The database could not be opened: ${firstLine(err)}`);
    return;
  }
  if (jobsMode() === "in-process") {
    const engine = await startJobEngine();
    await engine.enqueue(jobEvent("crm/analytics.refresh.requested", { requestedBy: "boot" }));
    // SIGTERM (a deploy, docker stop): take no new work and let the running jobs finish while Next.js closes its
    // connections (live streams included). A job still running when the process exits keeps its lease until it
    // lapses; then another instance, or this one restarted, runs it again from the queue: nothing is lost.
    process.once("SIGTERM", () => {
      setActivitySimulation(false);
      log("jobs").info("SIGTERM: taking no new work; letting the running jobs finish.");
      void engine.stop().then(() => log("jobs").info("Stopped."));
    });
  }
}
