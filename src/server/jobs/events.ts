import { z } from "zod";

/*
 * Every background event, once: its name (crm/<noun>.<verb>) and its
 * payload. Services ask for work by naming one (ctx.jobs.enqueue); the
 * Inngest functions and the in-process engine are both built from the job
 * definitions that handle them. Events a schedule also starts take no
 * required fields (a cron run has no payload).
 */
export const JOB_EVENTS = {
  "crm/heartbeat.requested": z.object({ requestedBy: z.string().max(320).default("schedule") }),
  "crm/analytics.refresh.requested": z.object({ requestedBy: z.string().max(320).default("schedule") }),
  "crm/segments.recompute.requested": z.object({ requestedBy: z.string().max(320).default("schedule") }),
  "crm/segment.recompute.requested": z.object({ segmentId: z.guid(), requestedBy: z.string().max(320).default("schedule") }),
  "crm/campaigns.due.requested": z.object({ requestedBy: z.string().max(320).default("schedule") }),
  "crm/campaign.send.requested": z.object({ campaignId: z.guid(), requestedBy: z.string().max(320).default("system") }),
  "crm/campaign.batch.requested": z.object({ campaignId: z.guid(), batchNo: z.number().int().min(0) }),
  "crm/campaign.push-batch.requested": z.object({ campaignId: z.guid(), batchNo: z.number().int().min(0) }),
  /** Automations: enrol from the main app's rows, mark goals and exits, advance due runs (the schedule, and after an enrolment). */
  "crm/automations.tick.requested": z.object({ requestedBy: z.string().max(320).default("schedule") }),
  /** Automation messages queued by steps: delivered, each once. */
  "crm/automation.sends.requested": z.object({ requestedBy: z.string().max(320).default("system") }),
  "crm/sign-in.link.requested": z.object({ email: z.string().max(254) }),
  /** A template (a saved version, or a draft's text) sent once to the admin who asked, with sample data. */
  "crm/template.test.requested": z.object({
    requestId: z.guid(),
    to: z.string().max(254),
    subject: z.string().max(200),
    body: z.string().max(20_000),
  }),
} as const;

export type TJobEventName = keyof typeof JOB_EVENTS;
export type TJobEventData<N extends TJobEventName> = z.output<(typeof JOB_EVENTS)[N]>;
export type TJobEventInput<N extends TJobEventName> = z.input<(typeof JOB_EVENTS)[N]>;
/** One event: its name and a payload of that event's shape. */
export type TJobEvent = { [N in TJobEventName]: { name: N; data: TJobEventInput<N> } }[TJobEventName];

export const JOB_EVENT_NAMES = Object.keys(JOB_EVENTS) as TJobEventName[];

/** A typed event (the payload is checked against the catalogue when it is enqueued). */
export const jobEvent = <N extends TJobEventName>(name: N, data: TJobEventInput<N>) => ({ name, data }) as TJobEvent;

/** The payload, parsed: what a handler receives. Throws a ZodError naming the field on a malformed event. */
export function parseJobEvent<N extends TJobEventName>(name: N, data: unknown): TJobEventData<N> {
  return JOB_EVENTS[name].parse(data ?? {}) as TJobEventData<N>;
}
