import type { TJobEvent } from "./events";

export type TJobsMode = "inngest" | "in-process";
export type TEnqueueResult = { mode: TJobsMode; ids: string[] };

/**
 * How services ask for background work: they name events from the catalogue
 * (jobs/events.ts) and never know which engine runs them. The composition
 * root (server/runtime.ts) wires Inngest or the in-process engine in.
 */
export interface JobsPort {
  readonly mode: TJobsMode;
  /** Durable once it resolves: the work will run even if this process stops. */
  enqueue(events: TJobEvent | readonly TJobEvent[]): Promise<TEnqueueResult>;
}
