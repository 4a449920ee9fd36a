import { z } from "zod";
import { ZCriteria } from "../criteria/schema";
import { PRIORITIES } from "../enums";
import { PUSH_BODY_MAX, PUSH_TITLE_MAX, PUSH_URL_MAX } from "./push";

/*
 * An automation's definition (docs/automations.md): what enrols a user (the
 * trigger and the re-entry policy), the steps a run walks through (a vertical
 * flow whose branches hold flows of their own), when a run ends early, and
 * the goal with its holdout. Browser-safe: the builder validates with the
 * same schema the server stores.
 */

export const AUTOMATION_STATUSES = ["draft", "live", "paused", "archived"] as const;
export type TAutomationStatus = (typeof AUTOMATION_STATUSES)[number];
export const RUN_STATUSES = ["active", "completed", "exited", "failed"] as const;
export type TRunStatus = (typeof RUN_STATUSES)[number];
/** What a step did for one run (crm_automation_run_steps.outcome). */
export const STEP_OUTCOMES = [
  "done",
  "yes",
  "no",
  "met",
  "timed_out",
  "sent",
  "held_out",
  "skipped_suppressed",
  "skipped_no_device",
  "skipped_capped",
  "skipped_quiet",
] as const;
export type TStepOutcome = (typeof STEP_OUTCOMES)[number];
export const SOURCE_EVENTS = ["signed_up", "event", "subscription_canceled", "payment_failed"] as const;
export const SEND_CHANNELS = ["email", "in_app", "push"] as const;

/** Bounds a definition stays within: the flow is read on every step of every run. */
export const MAX_STEPS = 60;
export const MAX_BRANCH_DEPTH = 4;
const stepId = z.string().regex(/^[a-z0-9_-]{1,40}$/i, "A step id uses letters, digits, - and _");
const days = z.number().int("Whole days").min(1, "At least 1 day").max(365, "At most 365 days");
const eventName = z
  .string()
  .trim()
  .min(1, "Name the event")
  .max(100)
  .regex(/^[a-z0-9_.:-]+$/i, "Event names use letters, digits and . _ : -");

export const ZAutomationTrigger = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("segment_entered"), segmentId: z.guid("Choose a segment") }),
  z.object({ kind: z.literal("segment_left"), segmentId: z.guid("Choose a segment") }),
  /** A row appearing in the main app's tables (docs/source-contract.md): a sign-up, an event of a kind, a cancellation, a failed payment. */
  z.object({ kind: z.literal("source_event"), source: z.enum(SOURCE_EVENTS), eventName: eventName.optional() }),
  /** N days after signing up. */
  z.object({ kind: z.literal("days_after_signup"), days }),
  /** N days before a paid subscription renews (every month or year from its start, while active or trialing). */
  z.object({ kind: z.literal("days_before_renewal"), days }),
  /** A threshold in the segment language (AI cost in the last day above X, spent nothing…): users who match and are not in a run. */
  z.object({ kind: z.literal("criteria"), criteria: ZCriteria }),
  /** Only by hand: from a profile or a selection in the users list. */
  z.object({ kind: z.literal("manual") }),
]);
export type TAutomationTrigger = z.infer<typeof ZAutomationTrigger>;
export const TRIGGER_KINDS = [
  "segment_entered",
  "segment_left",
  "source_event",
  "days_after_signup",
  "days_before_renewal",
  "criteria",
  "manual",
] as const;

export const ZReentry = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("once") }),
  z.object({ mode: z.literal("every_n_days"), days }),
  z.object({ mode: z.literal("every_time") }),
]);

const minutes = z
  .number()
  .int("Whole minutes")
  .min(1, "At least a minute")
  .max(365 * 24 * 60, "At most a year");
const hour = z.number().int().min(0).max(23);
const sendBase = { id: stepId, label: z.string().trim().max(80).optional() };
const pushTitle = z.string().trim().min(1, "Write a title").max(PUSH_TITLE_MAX, `At most ${PUSH_TITLE_MAX} characters`);

export type TStep =
  | { id: string; type: "wait"; minutes: number }
  | { id: string; type: "wait_window"; fromHour: number; toHour: number; weekdaysOnly: boolean }
  | { id: string; type: "wait_until"; criteria: z.infer<typeof ZCriteria>; maxDays: number }
  | {
      id: string;
      type: "branch";
      criteria: z.infer<typeof ZCriteria>;
      /** Instead of the criteria: what the person did with an earlier send step's message (opened counts a read, and a click). */
      message?: { stepId: string; action: "opened" | "clicked" };
      yes: TStep[];
      no: TStep[];
    }
  | { id: string; type: "send_email"; label?: string; templateId: string; templateVersion?: number }
  | { id: string; type: "send_in_app"; label?: string; subject?: string; content: string }
  | { id: string; type: "send_push"; label?: string; title: string; content: string; url?: string }
  | { id: string; type: "tags"; add: string[]; remove: string[] }
  | { id: string; type: "priority"; priority: (typeof PRIORITIES)[number] | null }
  | { id: string; type: "notify_admins"; message: string; email: boolean }
  | { id: string; type: "exit" };
export type TStepType = TStep["type"];
export const SEND_STEP_TYPES = ["send_email", "send_in_app", "send_push"] as const;

const tag = z.string().trim().min(1).max(50);
export const ZStep: z.ZodType<TStep> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ id: stepId, type: z.literal("wait"), minutes }),
    z
      .object({ id: stepId, type: z.literal("wait_window"), fromHour: hour, toHour: hour, weekdaysOnly: z.boolean() })
      .refine((s) => s.fromHour !== s.toHour, { message: "The window needs a start and a different end", path: ["toHour"] }),
    z.object({ id: stepId, type: z.literal("wait_until"), criteria: ZCriteria, maxDays: days }),
    z.object({
      id: stepId,
      type: z.literal("branch"),
      criteria: ZCriteria,
      message: z.object({ stepId, action: z.enum(["opened", "clicked"]) }).optional(),
      yes: z.array(ZStep).max(MAX_STEPS),
      no: z.array(ZStep).max(MAX_STEPS),
    }),
    z.object({
      ...sendBase,
      type: z.literal("send_email"),
      templateId: z.guid("Choose a template"),
      templateVersion: z.number().int().min(1).optional(),
    }),
    z.object({
      ...sendBase,
      type: z.literal("send_in_app"),
      subject: z.string().trim().max(200).optional(),
      content: z.string().trim().min(1, "Write the message").max(10_000, "At most 10,000 characters"),
    }),
    z.object({
      ...sendBase,
      type: z.literal("send_push"),
      title: pushTitle,
      content: z.string().trim().min(1, "Write the text").max(PUSH_BODY_MAX, `At most ${PUSH_BODY_MAX} characters`),
      url: z.string().trim().max(PUSH_URL_MAX).optional(),
    }),
    z
      .object({ id: stepId, type: z.literal("tags"), add: z.array(tag).max(20), remove: z.array(tag).max(20) })
      .refine((s) => s.add.length + s.remove.length > 0, { message: "Add or remove at least one tag", path: ["add"] }),
    z.object({ id: stepId, type: z.literal("priority"), priority: z.enum(PRIORITIES).nullable() }),
    z.object({
      id: stepId,
      type: z.literal("notify_admins"),
      message: z.string().trim().min(1, "Write what admins should know").max(500),
      email: z.boolean(),
    }),
    z.object({ id: stepId, type: z.literal("exit") }),
  ]),
);

export const ZAutomationDefinition = z
  .object({
    trigger: ZAutomationTrigger,
    reentry: ZReentry,
    steps: z.array(ZStep).min(1, "Add at least one step").max(MAX_STEPS),
    /** The time zone waits for a local time window use (the main app does not store users' zones). */
    timeZone: z.string().min(1).max(64),
    exitWhen: z.object({
      /** Segment-entered automations: leaving the segment ends the run. */
      leftSegment: z.boolean(),
      goalReached: z.boolean(),
      /** Unsubscribed from email (or suppressed): ends the run. */
      unsubscribed: z.boolean(),
    }),
    goal: z.object({ criteria: ZCriteria, withinDays: days }).nullable(),
    /** The share of enrolments that walk the flow but receive nothing, to measure the goal's lift. */
    controlPercent: z.number().int().min(0).max(50, "At most half as a control group"),
    /** A message held by a frequency cap or quiet hours waits for the next allowed time, or is skipped. */
    whenCapped: z.enum(["wait", "skip"]),
  })
  .superRefine((d, ctx) => {
    if (d.controlPercent > 0 && !d.goal)
      ctx.addIssue({ code: "custom", path: ["controlPercent"], message: "A control group measures a goal: set a goal first" });
    if (d.exitWhen.goalReached && !d.goal)
      ctx.addIssue({ code: "custom", path: ["exitWhen", "goalReached"], message: "Set a goal to exit on it" });
    if (d.exitWhen.leftSegment && d.trigger.kind !== "segment_entered")
      ctx.addIssue({
        code: "custom",
        path: ["exitWhen", "leftSegment"],
        message: "Only a segment-entered automation can exit on leaving it",
      });
    if (d.trigger.kind === "criteria" && d.reentry.mode === "every_time")
      ctx.addIssue({
        code: "custom",
        path: ["reentry", "mode"],
        message: "A user who keeps matching would start again at once: choose once, or at most once per N days",
      });
    if (d.trigger.kind === "source_event" && d.trigger.source === "event" && !d.trigger.eventName)
      ctx.addIssue({ code: "custom", path: ["trigger", "eventName"], message: "Name the event" });
    let count = 0;
    const ids = new Set<string>();
    // Steps read so far, in reading order: a branch on a message names one of these.
    const seen = new Map<string, TStepType>();
    const walk = (steps: TStep[], path: (string | number)[], depth: number) => {
      steps.forEach((s, i) => {
        count++;
        if (ids.has(s.id)) ctx.addIssue({ code: "custom", path: [...path, i, "id"], message: `Two steps share the id ${s.id}` });
        ids.add(s.id);
        if (s.type === "exit" && i < steps.length - 1)
          ctx.addIssue({ code: "custom", path: [...path, i + 1], message: "Nothing after an exit is ever reached: remove it" });
        if (s.type === "branch" && s.message) {
          const target = seen.get(s.message.stepId);
          if (!target || !SEND_STEP_TYPES.includes(target as (typeof SEND_STEP_TYPES)[number]))
            ctx.addIssue({
              code: "custom",
              path: [...path, i, "message", "stepId"],
              message: "Choose a send step that comes before this branch",
            });
        }
        seen.set(s.id, s.type);
        if (s.type === "branch") {
          if (depth >= MAX_BRANCH_DEPTH)
            ctx.addIssue({ code: "custom", path: [...path, i], message: `Branches nest at most ${MAX_BRANCH_DEPTH} deep` });
          walk(s.yes, [...path, i, "yes"], depth + 1);
          walk(s.no, [...path, i, "no"], depth + 1);
        }
      });
    };
    walk(d.steps, ["steps"], 0);
    if (count > MAX_STEPS) ctx.addIssue({ code: "custom", path: ["steps"], message: `At most ${MAX_STEPS} steps in all` });
  });
export type TAutomationDefinition = z.infer<typeof ZAutomationDefinition>;

export const ZAutomationName = z.string().trim().min(1, "Name the automation").max(120, "At most 120 characters");
export const ZCreateAutomationInput = z.object({
  name: ZAutomationName,
  description: z.string().trim().max(500).optional(),
  definition: ZAutomationDefinition,
});
export type TCreateAutomationInput = z.input<typeof ZCreateAutomationInput>;
export const ZUpdateAutomationInput = ZCreateAutomationInput.extend({
  id: z.guid(),
  /** The draft revision the admin edited; a newer one means someone saved in between. */
  baseRevision: z.number().int().min(1),
});
export type TUpdateAutomationInput = z.input<typeof ZUpdateAutomationInput>;
export const ZAutomationId = z.object({ id: z.guid("Not an automation id") });
export const ZEnrolInput = z.object({
  id: z.guid(),
  userIds: z.array(z.guid()).min(1, "Choose at least one user").max(500, "At most 500 users at once"),
});
export const ZTestRunInput = z.object({ id: z.guid(), userId: z.guid("Choose a user") });

/** Every step in the flow, in reading order, with its depth and the branch arm it sits in. */
export function flattenSteps(steps: TStep[], depth = 0, arm: string | null = null): { step: TStep; depth: number; arm: string | null }[] {
  return steps.flatMap((step) => [
    { step, depth, arm },
    ...(step.type === "branch"
      ? [...flattenSteps(step.yes, depth + 1, `${step.id}:yes`), ...flattenSteps(step.no, depth + 1, `${step.id}:no`)]
      : []),
  ]);
}

/**
 * Where a run goes after `id`: the next step in its list; after the last of
 * a branch's arm, the step after the branch (and so on outwards); null at
 * the end of the flow.
 */
export function stepAfter(steps: TStep[], id: string): string | null {
  const search = (list: TStep[], after: string | null): { found: boolean; next: string | null } => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as TStep;
      const following = i + 1 < list.length ? (list[i + 1] as TStep).id : after;
      if (s.id === id) return { found: true, next: following };
      if (s.type === "branch") {
        for (const arm of [s.yes, s.no]) {
          const r = search(arm, following);
          if (r.found) return r;
        }
      }
    }
    return { found: false, next: null };
  };
  return search(steps, null).next;
}

/** The first step of a branch's arm, or where the run goes when the arm is empty. */
export function armStart(steps: TStep[], branch: Extract<TStep, { type: "branch" }>, arm: "yes" | "no"): string | null {
  const list = branch[arm];
  return list.length ? (list[0] as TStep).id : stepAfter(steps, branch.id);
}

export function findStep(steps: TStep[], id: string): TStep | null {
  return flattenSteps(steps).find((x) => x.step.id === id)?.step ?? null;
}
