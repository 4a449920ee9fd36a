import { Cron } from "croner";
import { sql } from "drizzle-orm";
import { log } from "@/lib/log";
import { type Db, executeRows } from "@/server/db/client";
import { recordJobRun } from "@/server/services/jobs/job-runs";
import { concurrencyKeyOf, type TJobCtx, type TJobDefinition, type TJobStep } from "./definition";
import { JOB_EVENTS, parseJobEvent, type TJobEvent, type TJobEventName } from "./events";
import type { JobsPort, TEnqueueResult } from "./port";
import { PermanentFailure, RetryLater } from "./signals";

/*
 * The in-process engine: background work without Inngest, durable in
 * Postgres (crm_job_queue). Enqueued work is a row before enqueue returns. A
 * worker takes the earliest due job with FOR UPDATE SKIP LOCKED (claims are
 * serialised by a transaction-scoped advisory lock, so two processes never
 * take the same job, nor two jobs with the same concurrency key) and holds a
 * lease it renews while the job runs. A process that dies stops renewing;
 * when the lease lapses, any worker (another instance, or this one after a
 * restart) takes the job again. Failures are retried with backoff (a
 * RetryLater waits as long as it says), up to the job's retries; then the
 * job fails and its onFailure runs. Every time is read from `clock`, so a
 * test can move time forward instead of waiting.
 */

export type TEngineOptions = {
  /** Where the queue lives (the jobs' own pool in production). */
  db: Db;
  definitions: readonly TJobDefinition[];
  /** The context a job's handler gets (its port is this engine's). */
  jobCtx: (def: TJobDefinition, port: JobsPort) => TJobCtx;
  /** Names this worker in leases. */
  owner?: string;
  clock?: () => Date;
  leaseMs?: number;
  pollMs?: number;
  parallelism?: number;
  /** First retry delay; doubles each attempt, at most 5 minutes. */
  backoffMs?: number;
  log?: (line: string) => void;
};

type TClaimed = { id: number; name: string; data: unknown; attempts: number; max_attempts: number };

const CLAIM_LOCK = sql`hashtext('crm-job-queue-claim')`;
const MAX_BACKOFF_MS = 5 * 60_000;
const errorText = (err: unknown) => (err instanceof Error ? err.message.split("\n")[0] : String(err)) ?? "error";

export class InProcessJobEngine {
  readonly port: JobsPort;
  readonly owner: string;
  private readonly byEvent = new Map<TJobEventName, TJobDefinition>();
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly parallelism: number;
  private readonly backoffMs: number;
  private readonly log: (line: string) => void;
  private crons: { job: string; cron: Cron }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private active = new Set<Promise<void>>();
  private running = false;
  private pumping = false;
  /** Abandoned: nothing more reaches the database from this engine (leases lapse as if the process died). */
  private dead = false;

  constructor(private readonly opts: TEngineOptions) {
    for (const def of opts.definitions) this.byEvent.set(def.event, def);
    this.owner = opts.owner ?? `${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
    this.clock = opts.clock ?? (() => new Date());
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 500;
    this.parallelism = opts.parallelism ?? 3;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.log = opts.log ?? ((line) => log("jobs").error(line));
    this.port = { mode: "in-process", enqueue: (events) => this.enqueue(events) };
  }

  private definitionOf(name: string): TJobDefinition {
    const def = this.byEvent.get(name as TJobEventName);
    if (!def) throw new Error(`No job handles the event ${name}`);
    return def;
  }

  /** Stores the events as due jobs (one row each); with `dedupeKey`, a second enqueue of the same key adds nothing. */
  async enqueue(events: TJobEvent | readonly TJobEvent[], opts: { dedupeKey?: string } = {}): Promise<TEnqueueResult> {
    const list = Array.isArray(events) ? events : [events as TJobEvent];
    if (!list.length) return { mode: "in-process", ids: [] };
    const now = this.clock().toISOString();
    const rows = list.map((e) => {
      const def = this.definitionOf(e.name);
      const data = parseJobEvent(e.name, e.data) as Record<string, unknown>;
      return sql`(${e.name}, ${JSON.stringify(data)}::jsonb, ${now}::timestamptz, ${def.retries + 1}, ${concurrencyKeyOf(def, data)}, ${opts.dedupeKey ?? null})`;
    });
    const inserted = await executeRows<{ id: string | number }>(
      this.opts.db,
      sql`INSERT INTO crm_job_queue (name, data, run_at, max_attempts, concurrency_key, dedupe_key)
          VALUES ${sql.join(rows, sql`, `)} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    );
    if (this.running) queueMicrotask(() => void this.pump());
    return { mode: "in-process", ids: inserted.map((r) => String(r.id)) };
  }

  /** The schedules this engine runs (after start). */
  schedules() {
    return this.crons.map((c) => ({ job: c.job, pattern: c.cron.getPattern() ?? "" }));
  }

  /**
   * A schedule's tick: one run of the job per minute, whichever instance's
   * clock fires first (the tick's dedupe key lets one row through).
   */
  async tick(jobId: string) {
    const def = this.opts.definitions.find((d) => d.id === jobId);
    if (!def) throw new Error(`No job ${jobId}`);
    const minute = new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000).toISOString();
    return this.enqueue({ name: def.event, data: {} } as TJobEvent, { dedupeKey: `cron:${def.id}:${minute}` });
  }

  /** Starts the schedules and the worker loop. */
  start() {
    if (this.running) return this;
    this.running = true;
    for (const def of this.opts.definitions) {
      if (!def.cron) continue;
      this.crons.push({
        job: def.id,
        cron: new Cron(def.cron(), { protect: true, catch: true }, () => {
          void this.tick(def.id).catch((err) => this.log(`[jobs] ${def.id}: the schedule could not enqueue its run: ${errorText(err)}`));
        }),
      });
    }
    this.timer = setInterval(() => void this.pump(), this.pollMs);
    void this.pump();
    return this;
  }

  /** Stops taking work and waits for the jobs running now. */
  async stop() {
    this.running = false;
    this.halt();
    await Promise.allSettled([...this.active]);
  }

  /** Stops at once without finishing, renewing or releasing anything, as a killed process would (tests). */
  abandon() {
    this.dead = true;
    this.running = false;
    this.halt();
    this.active.clear();
  }

  private halt() {
    for (const c of this.crons) c.cron.stop();
    this.crons = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes due jobs while there is room, each run in the background. */
  private async pump() {
    if (!this.running || this.pumping) return;
    this.pumping = true;
    try {
      while (this.running && this.active.size < this.parallelism) {
        const job = await this.claim();
        if (!job) break;
        const run: Promise<void> = this.execute(job).finally(() => {
          this.active.delete(run);
          if (this.running) queueMicrotask(() => void this.pump());
        });
        this.active.add(run);
      }
    } catch (err) {
      this.log(`[jobs] the queue could not be read: ${errorText(err)}`);
    } finally {
      this.pumping = false;
    }
  }

  /** Runs every job due now, one after another, until none is due. Returns how many ran. */
  async runDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const job = await this.claim();
      if (!job) return n;
      await this.execute(job);
      n++;
    }
  }

  /**
   * Runs until the queue is empty. Between rounds, `advance` (a test's clock)
   * moves time to the next job's time instead of waiting for it.
   */
  async drain(opts: { advance?: (to: Date) => void; timeoutMs?: number } = {}) {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      await this.runDue();
      const now = sql`${this.clock().toISOString()}::timestamptz`;
      // When the next job can be taken: a queued job whose key nobody holds, or a running job's lease lapsing.
      const [next] = await executeRows<{ queued_at: Date | string | null; lease_at: Date | string | null; n: string | number }>(
        this.opts.db,
        sql`SELECT
              (SELECT min(j.run_at) FROM crm_job_queue j WHERE j.status = 'queued' AND (j.concurrency_key IS NULL OR NOT EXISTS (
                 SELECT 1 FROM crm_job_queue r WHERE r.status = 'running' AND r.lease_until >= ${now} AND r.concurrency_key = j.concurrency_key))) AS queued_at,
              (SELECT min(lease_until) FROM crm_job_queue WHERE status = 'running') AS lease_at,
              (SELECT count(*) FROM crm_job_queue WHERE status IN ('queued', 'running')) AS n`,
      );
      if (!next || Number(next.n) === 0) return;
      const times = [next.queued_at, next.lease_at].filter((t): t is Date | string => t !== null).map((t) => new Date(t).getTime());
      const at = times.length ? Math.min(...times) : this.clock().getTime() + this.pollMs;
      if (opts.advance) opts.advance(new Date(Math.max(at + 1, this.clock().getTime())));
      else await new Promise((r) => setTimeout(r, Math.min(this.pollMs, Math.max(10, at - this.clock().getTime()))));
    }
    throw new Error("The job queue did not drain in time");
  }

  private async claim(): Promise<TClaimed | null> {
    const now = sql`${this.clock().toISOString()}::timestamptz`;
    const until = sql`${new Date(this.clock().getTime() + this.leaseMs).toISOString()}::timestamptz`;
    return this.opts.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`);
      const [row] = await executeRows<TClaimed & { id: string | number }>(
        tx,
        sql`UPDATE crm_job_queue SET status = 'running', attempts = attempts + 1, lease_owner = ${this.owner}, lease_until = ${until}
            WHERE id = (
              SELECT j.id FROM crm_job_queue j
              WHERE ((j.status = 'queued' AND j.run_at <= ${now}) OR (j.status = 'running' AND j.lease_until < ${now}))
                AND (j.concurrency_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM crm_job_queue r WHERE r.status = 'running' AND r.lease_until >= ${now}
                    AND r.concurrency_key = j.concurrency_key AND r.id <> j.id))
              ORDER BY j.run_at, j.id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, name, data, attempts, max_attempts`,
      );
      return row ? { ...row, id: Number(row.id), attempts: Number(row.attempts), max_attempts: Number(row.max_attempts) } : null;
    });
  }

  private async execute(job: TClaimed) {
    const def = this.definitionOf(job.name);
    const ctx = this.opts.jobCtx(def, this.port);
    const startedAt = this.clock();
    const renew = setInterval(
      () => {
        if (this.dead) return;
        const until = new Date(this.clock().getTime() + this.leaseMs).toISOString();
        void this.opts.db
          .execute(sql`UPDATE crm_job_queue SET lease_until = ${until}::timestamptz WHERE id = ${job.id} AND lease_owner = ${this.owner}`)
          .catch(() => {});
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    let data: Record<string, unknown> = {};
    try {
      if (job.attempts > job.max_attempts) {
        throw new PermanentFailure(`Stopped after ${job.max_attempts} attempts (the worker running it stopped each time)`);
      }
      data = parseJobEvent(job.name as TJobEventName, job.data) as Record<string, unknown>;
      const step: TJobStep = {
        run: (_id, fn) => fn(),
        enqueue: async (_id, events) => {
          await this.enqueue(events);
        },
      };
      await def.handler({ data: data as never, step, ctx });
      if (this.dead) return;
      await this.finish(job, "done", null);
      if (def.recordRuns) await recordJobRun(this.opts.db, { jobId: def.id, runner: "in-process", startedAt, finishedAt: this.clock() });
    } catch (err) {
      if (!this.dead) await this.fail(job, def, ctx, data, err, startedAt);
    } finally {
      clearInterval(renew);
    }
  }

  private async finish(job: TClaimed, status: "done" | "failed", error: string | null) {
    await this.opts.db.execute(
      sql`UPDATE crm_job_queue SET status = ${status}, finished_at = ${this.clock().toISOString()}::timestamptz,
            lease_owner = NULL, lease_until = NULL, last_error = ${error}
          WHERE id = ${job.id} AND lease_owner = ${this.owner}`,
    );
  }

  private async fail(job: TClaimed, def: TJobDefinition, ctx: TJobCtx, data: Record<string, unknown>, err: unknown, startedAt: Date) {
    const message = errorText(err);
    const retry =
      !(err instanceof PermanentFailure) && job.attempts < job.max_attempts && !(err instanceof Error && err.name === "ZodError");
    if (retry) {
      const delay = err instanceof RetryLater ? err.afterMs : Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** (job.attempts - 1));
      const at = new Date(this.clock().getTime() + delay).toISOString();
      await this.opts.db.execute(
        sql`UPDATE crm_job_queue SET status = 'queued', run_at = ${at}::timestamptz, lease_owner = NULL, lease_until = NULL, last_error = ${message}
            WHERE id = ${job.id} AND lease_owner = ${this.owner}`,
      );
      return;
    }
    this.log(`[jobs] ${def.id} failed: ${message}`);
    await this.finish(job, "failed", message);
    try {
      await def.onFailure?.({ data: data as never, error: err instanceof Error ? err : new Error(message), ctx });
    } catch (e) {
      this.log(`[jobs] ${def.id}: its failure handler failed too: ${errorText(e)}`);
    }
    if (def.recordRuns) {
      await recordJobRun(this.opts.db, { jobId: def.id, runner: "in-process", startedAt, finishedAt: this.clock(), error: message }).catch(
        () => {},
      );
    }
  }
}

/** Every event the catalogue names has a job; a catalogue entry nobody handles is a mistake. */
export function assertEveryEventHandled(definitions: readonly TJobDefinition[]) {
  const handled = new Set(definitions.map((d) => d.event));
  const missing = (Object.keys(JOB_EVENTS) as TJobEventName[]).filter((n) => !handled.has(n));
  if (missing.length) throw new Error(`No job handles ${missing.join(", ")}`);
}
