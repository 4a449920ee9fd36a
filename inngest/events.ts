import { eventType } from "inngest";
import { JOB_EVENTS, type TJobEventName } from "@/server/jobs/events";

/**
 * The catalogue's events as Inngest triggers. Their payloads are checked by
 * the catalogue's own schemas (jobs/events.ts) where they are sent and where
 * they are handled: Inngest's typed schemas cannot hold defaults.
 */
export const inngestEvents = Object.fromEntries((Object.keys(JOB_EVENTS) as TJobEventName[]).map((name) => [name, eventType(name)])) as {
  [N in TJobEventName]: ReturnType<typeof eventType<N>>;
};
