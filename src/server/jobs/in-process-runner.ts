import { Cron } from "croner";
import type { Db } from "@/server/db/client";
import { jobList, type TJobDefinition } from "./registry";

/**
 * Runs background jobs inside this server process when no Inngest server is
 * configured: crons on their schedule, events right away in the background.
 * Not durable: a job running when the process stops is lost (health says so).
 * One run per job at a time, like the Inngest functions' concurrency of 1.
 */
type RunnerState = { crons: Cron[]; running: Set<string>; getDb: () => Promise<Db> };
const globalForRunner = globalThis as unknown as { __crmInProcessRunner?: RunnerState };

async function runJob(state: RunnerState, job: TJobDefinition, data: Record<string, unknown>) {
  const key = job.concurrencyKey?.(data) ?? job.id;
  if (state.running.has(key)) return { skipped: true as const };
  state.running.add(key);
  try {
    const db = await state.getDb();
    return { skipped: false as const, result: await job.run({ db, runner: "in-process", data }) };
  } catch (err) {
    console.error(`[jobs] ${job.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  } finally {
    state.running.delete(key);
  }
}

export function startInProcessRunner(getDb: () => Promise<Db>) {
  if (globalForRunner.__crmInProcessRunner) return globalForRunner.__crmInProcessRunner;
  const state: RunnerState = { crons: [], running: new Set(), getDb };
  for (const job of jobList) {
    if (!job.cron) continue;
    state.crons.push(
      new Cron(job.cron, { protect: true, catch: true }, () => {
        void runJob(state, job, {}).catch(() => {});
      }),
    );
  }
  globalForRunner.__crmInProcessRunner = state;
  console.info(`[jobs] In-process runner started (${state.crons.length} schedules). Not durable: configure Inngest for production.`);
  return state;
}

export function stopInProcessRunner() {
  const state = globalForRunner.__crmInProcessRunner;
  if (!state) return;
  for (const c of state.crons) c.stop();
  globalForRunner.__crmInProcessRunner = undefined;
}

/** Runs the job an event names, in the background. Returns a promise tests may await. */
export function runEventInProcess(getDb: () => Promise<Db>, name: string, data: Record<string, unknown>) {
  const job = jobList.find((j) => j.event === name);
  if (!job) throw new Error(`No job handles the event ${name}`);
  const state = globalForRunner.__crmInProcessRunner ?? { crons: [], running: new Set<string>(), getDb };
  return runJob(state, job, data);
}
