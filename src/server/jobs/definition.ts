import type { SystemActor, TServiceCtx } from "@/server/services/context";
import type { TJobEvent, TJobEventData, TJobEventName } from "./events";

/** What a job's handler may do besides calling services; both engines provide it. */
export type TJobStep = {
  /**
   * One unit of work. Inngest runs each step once and remembers its result;
   * the in-process engine runs a job's steps again from the start after a
   * crash, so every step is written to be safe to repeat.
   */
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** Raises more work (a fan-out), durable once it returns. */
  enqueue(id: string, events: readonly TJobEvent[]): Promise<void>;
};

export type TJobCtx = TServiceCtx<SystemActor>;

export type TJobConcurrency<N extends TJobEventName> =
  /** Any number at once. */
  | { scope: "none" }
  /** One run of this job at a time. */
  | { scope: "job" }
  /** One run at a time per value of a payload field (per campaign, per segment). */
  | { scope: "field"; field: keyof TJobEventData<N> & string };

/**
 * A background job, defined once. The Inngest functions (inngest/) and the
 * in-process engine (jobs/in-process-engine.ts) are both built from these,
 * so a job runs as the same steps on either engine.
 */
export type TJobDefinition<N extends TJobEventName = TJobEventName> = {
  id: string;
  event: N;
  /** Also runs on this schedule (read from the configuration when the engine starts). */
  cron?: () => string;
  concurrency: TJobConcurrency<N>;
  /**
   * "email-provider": held to CAMPAIGN_SEND_RATE requests per second (Inngest throttle; in-process, a spaced provider).
   * "push-service": each push request through a sender held to PUSH_SEND_RATE a second (a run sends many; give the job concurrency "job").
   */
  throttle?: "email-provider" | "push-service";
  /** Attempts after the first failure. */
  retries: number;
  /** Keep its last run in crm_job_runs (health, Settings): the jobs an admin watches, not each fan-out child. */
  recordRuns: boolean;
  handler(args: { data: TJobEventData<N>; step: TJobStep; ctx: TJobCtx }): Promise<unknown>;
  /** After the last attempt failed (or a PermanentFailure): make the failure visible where an admin looks. */
  onFailure?(args: { data: TJobEventData<N>; error: Error; ctx: TJobCtx }): Promise<void>;
};

/** Keeps the event's type attached to the handler's payload. */
export const defineJob = <N extends TJobEventName>(def: TJobDefinition<N>) => def as unknown as TJobDefinition;

/** The concurrency key of a run: runs with equal keys never overlap. */
export function concurrencyKeyOf(def: TJobDefinition, data: Record<string, unknown>): string | null {
  if (def.concurrency.scope === "none") return null;
  if (def.concurrency.scope === "job") return def.id;
  return `${def.id}:${String(data[def.concurrency.field])}`;
}
