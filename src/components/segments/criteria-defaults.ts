import type { TCondition, TConditionField, TGroup } from "@/shared/criteria/schema";

/** What the builder offers, in the order admins think of them. */
export const FIELD_OPTIONS: { value: TConditionField; label: string; group: string }[] = [
  { value: "email", label: "Email", group: "User" },
  { value: "name", label: "Name", group: "User" },
  { value: "signed_up", label: "Signed up", group: "User" },
  { value: "last_active", label: "Last active", group: "User" },
  { value: "plan", label: "Plan", group: "Subscription" },
  { value: "subscription_status", label: "Subscription status", group: "Subscription" },
  { value: "subscription_started", label: "Subscription started", group: "Subscription" },
  { value: "subscription_canceled", label: "Subscription canceled", group: "Subscription" },
  { value: "total_spent", label: "Total spent", group: "Money" },
  { value: "spent_last_days", label: "Spent in the last N days", group: "Money" },
  { value: "event", label: "Did an event", group: "Behaviour" },
  { value: "ai_usage", label: "AI usage", group: "AI" },
  { value: "margin", label: "Margin (revenue − AI cost)", group: "Money" },
  { value: "tag", label: "Tags", group: "CRM" },
  { value: "priority", label: "Priority", group: "CRM" },
  { value: "segment", label: "Member of segment", group: "CRM" },
  { value: "engagement", label: "Campaign engagement", group: "Campaigns" },
  { value: "suppressed", label: "Email suppressed", group: "Campaigns" },
];

export const ENGAGEMENT_OPS = [
  ["did", "did"],
  ["did_not", "did not"],
  ["received_not", "received but did not"],
] as const;

export const KNOWN_EVENTS = [
  "assessment.completed",
  "vision.generated",
  "vision.failed",
  "intensive.started",
  "intensive.step_completed",
  "intensive.completed",
  "journal.entry_created",
  "audio.played",
  "vision_board.viewed",
];

const today = () => new Date().toISOString().slice(0, 10);

export function defaultCondition(
  field: TConditionField,
  opts: { plans?: string[]; segmentIds?: string[]; campaignIds?: string[] } = {},
): TCondition {
  const base = { type: "condition" as const };
  switch (field) {
    case "email":
      return { ...base, field, op: "ends_with", value: "" };
    case "name":
      return { ...base, field, op: "contains", value: "" };
    case "signed_up":
    case "last_active":
    case "subscription_started":
    case "subscription_canceled":
      return { ...base, field, op: "within_last", days: 30 } as TCondition;
    case "plan":
      return { ...base, field, op: "in", values: [opts.plans?.find((p) => p !== "free") ?? "pro"] };
    case "subscription_status":
      return { ...base, field, op: "in", values: ["active"] };
    case "total_spent":
      return { ...base, field, op: "gt", value: 0 };
    case "spent_last_days":
      return { ...base, field, days: 30, op: "gt", value: 0 };
    case "event":
      return { ...base, field, name: "assessment.completed", days: 14, op: "has" };
    case "ai_usage":
      return { ...base, field, metric: "cost", days: 30, op: "gt", value: 5 };
    case "margin":
      return { ...base, field, op: "lt", value: 0 };
    case "tag":
      return { ...base, field, op: "has_any", values: [] as unknown as [string] };
    case "priority":
      return { ...base, field, op: "in", values: ["vip"] };
    case "segment":
      return { ...base, field, op: "member", segmentId: opts.segmentIds?.[0] ?? "" };
    case "engagement":
      return { ...base, field, op: "did", action: "opened", ...(opts.campaignIds?.[0] ? { campaignId: opts.campaignIds[0] } : {}) };
    case "suppressed":
      return { ...base, field, op: "is" };
  }
}

/** The condition with a new operator, gaining the inputs that operator needs and losing the ones it does not. */
export function withOperator(c: TCondition, op: string): TCondition {
  const next = { ...c, op } as Record<string, unknown>;
  if (["before", "on_or_after"].includes(op)) {
    next.date ??= today();
    delete next.days;
    delete next.from;
    delete next.to;
  } else if (op === "between") {
    next.from ??= today();
    next.to ??= today();
    delete next.days;
    delete next.date;
  } else if (["within_last", "not_within_last"].includes(op) && c.field !== "event") {
    next.days ??= 30;
    delete next.date;
    delete next.from;
    delete next.to;
  } else if (op === "never") {
    delete next.days;
    delete next.date;
    delete next.from;
    delete next.to;
  }
  if (c.field === "name" && op === "is_empty") delete next.value;
  if (c.field === "name" && op !== "is_empty") next.value ??= "";
  if (c.field === "priority") {
    if (op === "is_empty") delete next.values;
    else next.values ??= ["vip"];
  }
  if (c.field === "engagement" && op === "received_not" && c.action === "received") next.action = "opened";
  if (c.field === "event") {
    if (op === "has" || op === "has_not") delete next.value;
    else next.value ??= 1;
  }
  return next as TCondition;
}

export const emptyCriteria = (): TGroup => ({ type: "group", match: "all", conditions: [defaultCondition("plan")] });
