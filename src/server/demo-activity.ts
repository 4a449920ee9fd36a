import { databaseMode, env } from "@/lib/env";
import { firstLine, log } from "@/lib/log";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { systemActor } from "@/server/services/context";
import { simulateActivity } from "@/server/services/demo-data/simulate-activity";

/*
 * The local demo's gentle activity: on the embedded default (no main app
 * running), one demo user does something every DEMO_ACTIVITY_SECONDS, so the
 * dashboard's live feed moves. On by default there, never anywhere else;
 * the live panel turns it off and on (for this server process).
 */

const g = globalThis as unknown as { __crmDemoActivity?: { timer: NodeJS.Timeout | null } };
const state = () => {
  g.__crmDemoActivity ??= { timer: null };
  return g.__crmDemoActivity;
};

/** Whether this server can simulate activity at all: the embedded default only. */
export const canSimulateActivity = () => databaseMode() === "embedded";

export const isSimulatingActivity = () => state().timer !== null;

export function setActivitySimulation(on: boolean): boolean {
  const s = state();
  if (!on || !canSimulateActivity()) {
    if (s.timer) clearInterval(s.timer);
    s.timer = null;
    return false;
  }
  if (s.timer) return true;
  const everyMs = Math.max(1, env().DEMO_ACTIVITY_SECONDS || 10) * 1000;
  let busy = false;
  s.timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void getDb()
      .then((db) => simulateActivity({ ctx: serviceContext(db, systemActor("demo-activity")), input: { count: 1 } }))
      .catch((err: unknown) => log("demo-activity").warn(firstLine(err)))
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  s.timer.unref();
  return true;
}

/** At server start: on for the embedded default unless DEMO_ACTIVITY_SECONDS=0. */
export function startDemoActivity() {
  if (canSimulateActivity() && env().DEMO_ACTIVITY_SECONDS > 0) setActivitySimulation(true);
}
