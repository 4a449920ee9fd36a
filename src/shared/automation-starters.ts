import type { TCondition, TCriteria } from "./criteria/schema";
import type { TAutomationDefinition } from "./schemas/automations";

/*
 * Five ready-made starting points (docs/automations.md). Email steps leave
 * the template to choose (the builder asks for it before saving); everything
 * else is ready to turn on as it is, and to edit.
 */

const all = (...conditions: TCondition[]): TCriteria => ({ type: "group", match: "all", conditions });
const event = (name: string, op: "has" | "has_not", days?: number): TCondition =>
  ({ type: "condition", field: "event", name, op, ...(days ? { days } : {}) }) as TCondition;
const base: Omit<TAutomationDefinition, "trigger" | "steps"> = {
  reentry: { mode: "once" },
  timeZone: "UTC",
  exitWhen: { leftSegment: false, goalReached: true, unsubscribed: true },
  goal: null,
  controlPercent: 0,
  whenCapped: "wait",
};

export type TStarter = { key: string; name: string; description: string; definition: TAutomationDefinition };

export const AUTOMATION_STARTERS: TStarter[] = [
  {
    key: "welcome",
    name: "Welcome series",
    description: "New users over their first week: a welcome, an email the next day, and a nudge toward the first assessment.",
    definition: {
      ...base,
      trigger: { kind: "source_event", source: "signed_up" },
      steps: [
        {
          id: "welcome",
          type: "send_in_app",
          subject: "Welcome to VibrationFit",
          content: "Start with your first assessment: it takes five minutes.",
        },
        { id: "day1", type: "wait", minutes: 24 * 60 },
        { id: "email", type: "send_email", templateId: "" },
        { id: "day3", type: "wait", minutes: 2 * 24 * 60 },
        {
          id: "assessed",
          type: "branch",
          criteria: all(event("assessment.completed", "has")),
          yes: [],
          no: [
            {
              id: "nudge",
              type: "send_in_app",
              subject: "Your first assessment",
              content: "Five minutes to your baseline. Ready when you are.",
            },
          ],
        },
      ],
      goal: { criteria: all(event("assessment.completed", "has")), withinDays: 7 },
      controlPercent: 10,
    },
  },
  {
    key: "stuck-intensive",
    name: "Stuck in the intensive",
    description: "Started the intensive but no step in five days: a nudge in working hours, then a person reaches out.",
    definition: {
      ...base,
      trigger: {
        kind: "criteria",
        criteria: all(
          event("intensive.started", "has", 30),
          event("intensive.step_completed", "has_not", 5),
          event("intensive.completed", "has_not"),
        ),
      },
      reentry: { mode: "every_n_days", days: 30 },
      steps: [
        { id: "working-hours", type: "wait_window", fromHour: 9, toHour: 18, weekdaysOnly: true },
        {
          id: "nudge",
          type: "send_in_app",
          subject: "Your next intensive step",
          content: "Pick up where you left off: your next step is waiting.",
        },
        { id: "progress", type: "wait_until", criteria: all(event("intensive.step_completed", "has", 3)), maxDays: 3 },
        {
          id: "moved",
          type: "branch",
          criteria: all(event("intensive.step_completed", "has", 3)),
          yes: [],
          no: [
            {
              id: "reach-out",
              type: "notify_admins",
              message: "Still stuck in the intensive after a nudge: worth a personal note.",
              email: false,
            },
          ],
        },
      ],
      goal: { criteria: all(event("intensive.completed", "has")), withinDays: 30 },
    },
  },
  {
    key: "failed-payment",
    name: "Failed payment",
    description:
      "A payment failed: tell them at once, and if the subscription is still past due two days later, raise priority and alert the team.",
    definition: {
      ...base,
      trigger: { kind: "source_event", source: "payment_failed" },
      reentry: { mode: "every_time" },
      steps: [
        { id: "notice", type: "send_email", templateId: "" },
        { id: "two-days", type: "wait", minutes: 2 * 24 * 60 },
        {
          id: "still-due",
          type: "branch",
          criteria: all({ type: "condition", field: "subscription_status", op: "in", values: ["past_due"] } as TCondition),
          yes: [
            { id: "priority", type: "priority", priority: "high" },
            { id: "alert", type: "notify_admins", message: "Payment still failing after two days.", email: true },
          ],
          no: [],
        },
      ],
      goal: {
        criteria: all({ type: "condition", field: "subscription_status", op: "in", values: ["active"] } as TCondition),
        withinDays: 7,
      },
    },
  },
  {
    key: "unprofitable-upgrade",
    name: "Unprofitable free user → upgrade",
    description:
      "Free users whose margin (revenue − AI cost) over 30 days is below −$5: tag them and offer a plan, with a control group to measure it.",
    definition: {
      ...base,
      trigger: {
        kind: "criteria",
        criteria: all(
          { type: "condition", field: "plan", op: "in", values: ["free"] } as TCondition,
          { type: "condition", field: "margin", days: 30, op: "lt", value: -5 } as TCondition,
        ),
      },
      reentry: { mode: "every_n_days", days: 90 },
      steps: [
        { id: "tag", type: "tags", add: ["unprofitable"], remove: [] },
        {
          id: "offer",
          type: "send_in_app",
          subject: "More visions, every month",
          content: "You use VibrationFit a lot: Pro gives you more for less per vision.",
        },
        { id: "wait", type: "wait", minutes: 3 * 24 * 60 },
        { id: "email", type: "send_email", templateId: "" },
      ],
      goal: { criteria: all({ type: "condition", field: "plan", op: "not_in", values: ["free"] } as TCondition), withinDays: 14 },
      controlPercent: 20,
    },
  },
  {
    key: "win-back",
    name: "Win back dormant paid users",
    description: "Paying but not seen in three weeks: an email, then an in-app note if they still have not come back.",
    definition: {
      ...base,
      trigger: {
        kind: "criteria",
        criteria: all(
          { type: "condition", field: "subscription_status", op: "in", values: ["active"] } as TCondition,
          { type: "condition", field: "last_active", op: "not_within_last", days: 21 } as TCondition,
        ),
      },
      reentry: { mode: "every_n_days", days: 60 },
      steps: [
        { id: "email", type: "send_email", templateId: "" },
        { id: "four-days", type: "wait", minutes: 4 * 24 * 60 },
        {
          id: "back",
          type: "branch",
          criteria: all({ type: "condition", field: "last_active", op: "within_last", days: 4 } as TCondition),
          yes: [],
          no: [
            {
              id: "note",
              type: "send_in_app",
              subject: "We kept your place",
              content: "Your visions and journal are where you left them.",
            },
          ],
        },
      ],
      goal: { criteria: all({ type: "condition", field: "last_active", op: "within_last", days: 7 } as TCondition), withinDays: 14 },
    },
  },
];

export const BLANK_AUTOMATION: TAutomationDefinition = {
  ...base,
  exitWhen: { leftSegment: false, goalReached: false, unsubscribed: true },
  trigger: { kind: "manual" },
  steps: [{ id: "first", type: "send_in_app", content: "" }],
};
