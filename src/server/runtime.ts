import { env, jobsMode } from "@/lib/env";
import { log } from "@/lib/log";
import { getJobsDb } from "@/server/db";
import type { Db, DbOrTx } from "@/server/db/client";
import { createEmailProvider } from "@/server/email";
import { spacedProvider } from "@/server/email/spaced-provider";
import type { EmailProvider } from "@/server/email/types";
import type { TJobCtx, TJobDefinition } from "@/server/jobs/definition";
import { jobDefinitions } from "@/server/jobs/definitions";
import { InProcessJobEngine } from "@/server/jobs/in-process-engine";
import type { JobsPort } from "@/server/jobs/port";
import { createPushSender } from "@/server/push";
import { spacedPushSender } from "@/server/push/spaced-sender";
import type { PushSender } from "@/server/push/types";
import { type Actor, systemActor, type TServiceCtx } from "@/server/services/context";

/*
 * The composition root: the one place that decides which implementation
 * stands behind each port a service receives (jobs: Inngest or the
 * in-process engine; email: Resend or the local outbox; the clock). Requests
 * (tRPC, route handlers, server actions), jobs and scripts all build their
 * service context here.
 */

const globalForRuntime = globalThis as unknown as {
  __crmJobEngine?: InProcessJobEngine;
  __crmSpacedEmail?: WeakMap<object, EmailProvider>;
  __crmSpacedPush?: { base: PushSender; spaced: PushSender };
};
const unstartedPorts = new WeakMap<object, JobsPort>();

/** Sends to Inngest (the client is loaded only when Inngest is configured). */
const inngestPort: JobsPort = {
  mode: "inngest",
  enqueue: async (events) => (await import("~inngest/port")).sendToInngest(events),
};

/**
 * The jobs port for work raised on `db`: Inngest when configured; else this
 * process's running engine; else (tests, scripts) a queue on `db` that an
 * engine started later, or in another process, will run.
 */
export function jobsPortFor(db: DbOrTx): JobsPort {
  if (jobsMode() !== "in-process") return inngestPort;
  const running = globalForRuntime.__crmJobEngine;
  if (running) return running.port;
  let port = unstartedPorts.get(db);
  if (!port) {
    port = createJobEngine(db as Db).port;
    unstartedPorts.set(db, port);
  }
  return port;
}

/** A service context; anything not given is the configured one. */
export function serviceContext<A extends Actor>(
  db: DbOrTx,
  actor: A,
  given: Partial<Omit<TServiceCtx<A>, "db" | "actor">> = {},
): TServiceCtx<A> {
  return {
    db,
    actor,
    jobs: given.jobs ?? jobsPortFor(db),
    email: given.email ?? createEmailProvider(db),
    push: given.push ?? createPushSender(),
    clock: given.clock ?? (() => new Date()),
  };
}

/** Campaign batches share one provider per database in this process, spaced to CAMPAIGN_SEND_RATE. */
function spacedEmail(db: Db): EmailProvider {
  globalForRuntime.__crmSpacedEmail ??= new WeakMap();
  let provider = globalForRuntime.__crmSpacedEmail.get(db);
  if (!provider) {
    provider = spacedProvider(createEmailProvider(db), env().CAMPAIGN_SEND_RATE);
    globalForRuntime.__crmSpacedEmail.set(db, provider);
  }
  return provider;
}

/** Push batches share one sender in this process, held to PUSH_SEND_RATE requests a second. */
function spacedPush(): PushSender {
  const base = createPushSender();
  if (globalForRuntime.__crmSpacedPush?.base !== base) {
    globalForRuntime.__crmSpacedPush = { base, spaced: spacedPushSender(base, env().PUSH_SEND_RATE) };
  }
  return globalForRuntime.__crmSpacedPush.spaced;
}

/** The context of one job run. */
function jobContext(
  db: Db,
  def: TJobDefinition,
  jobs: JobsPort,
  opts: { spaced: boolean; email?: EmailProvider; push?: PushSender; clock?: () => Date },
): TJobCtx {
  return {
    db,
    actor: systemActor(def.id),
    jobs,
    email: opts.email ?? (opts.spaced && def.throttle === "email-provider" ? spacedEmail(db) : createEmailProvider(db)),
    push: opts.push ?? (def.throttle === "push-service" ? spacedPush() : createPushSender()),
    clock: opts.clock ?? (() => new Date()),
  };
}

/** An in-process engine on `db` (not started). Tests pass their own clock, email provider, push sender and lease. */
export function createJobEngine(
  db: Db,
  opts: {
    email?: EmailProvider;
    push?: PushSender;
    clock?: () => Date;
    owner?: string;
    leaseMs?: number;
    pollMs?: number;
    backoffMs?: number;
  } = {},
) {
  return new InProcessJobEngine({
    db,
    definitions: jobDefinitions,
    jobCtx: (def, port) => jobContext(db, def, port, { spaced: !opts.email, email: opts.email, push: opts.push, clock: opts.clock }),
    owner: opts.owner,
    clock: opts.clock,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    backoffMs: opts.backoffMs,
  });
}

/** Server start without Inngest: this process runs the queue and the schedules. */
export async function startJobEngine(): Promise<InProcessJobEngine> {
  if (globalForRuntime.__crmJobEngine) return globalForRuntime.__crmJobEngine;
  const engine = createJobEngine(await getJobsDb());
  globalForRuntime.__crmJobEngine = engine;
  engine.start();
  log("jobs").info(`In-process engine started (${jobDefinitions.filter((d) => d.cron).length} schedules), queue in Postgres.`);
  return engine;
}

/** The context of an Inngest function run. */
export async function inngestJobContext(def: TJobDefinition): Promise<TJobCtx> {
  // Push batches run one at a time (concurrency), so this process's spaced sender holds PUSH_SEND_RATE on Inngest too.
  return jobContext(await getJobsDb(), def, inngestPort, { spaced: false });
}
