import { z } from "zod";
import { ZDay } from "@/shared/day";
import { PRIORITIES, SUBSCRIPTION_STATUSES, SUPPRESSION_REASONS } from "@/shared/enums";

/**
 * The segment criteria language (docs/segments.md), defined once: the server
 * validates and compiles it, the builder UI edits it, the tests generate it.
 * Pure: imported on the server and in the browser.
 */

export const MAX_DEPTH = 5;
export const MAX_NODES = 100;
/**
 * A segment condition stands for the other segment's whole criteria: counted
 * that way, criteria hold at most this many groups and conditions. Without
 * it, a chain of segments that each refer to the previous one many times
 * would compile to SQL that grows exponentially.
 */
export const MAX_EXPANDED_NODES = 1000;
export const CMP_OPS = ["gt", "gte", "lt", "lte", "eq", "neq"] as const;
export const CMP_LABELS: Record<(typeof CMP_OPS)[number], string> = {
  gt: "more than",
  gte: "at least",
  lt: "less than",
  lte: "at most",
  eq: "exactly",
  neq: "not",
};
export const DATE_OPS = ["before", "on_or_after", "between", "within_last", "not_within_last"] as const;

const text = z.string().trim().min(1, "Enter a value").max(200, "At most 200 characters");
const day = ZDay;
const days = z.number().int("Whole days").min(1, "At least 1 day").max(3650, "At most 3650 days");
const amount = z.number().finite("Enter a number").min(0, "Must be 0 or more").max(1_000_000_000, "Too large");
const signedAmount = z.number().finite("Enter a number").min(-1_000_000_000, "Too small").max(1_000_000_000, "Too large");
const cmp = z.enum(CMP_OPS, "Choose a comparison");
const list = z.array(text).min(1, "Choose at least one").max(50, "At most 50 values");

/** A date condition: before a day, on or after a day, between two days (inclusive), within / not within the last N days. */
const dateCondition = <F extends string>(field: F) =>
  z.discriminatedUnion("op", [
    z.object({ type: z.literal("condition"), field: z.literal(field), op: z.literal("before"), date: day }),
    z.object({ type: z.literal("condition"), field: z.literal(field), op: z.literal("on_or_after"), date: day }),
    z
      .object({ type: z.literal("condition"), field: z.literal(field), op: z.literal("between"), from: day, to: day })
      .refine((c) => c.from <= c.to, { message: "The end is before the start", path: ["to"] }),
    z.object({ type: z.literal("condition"), field: z.literal(field), op: z.literal("within_last"), days }),
    z.object({ type: z.literal("condition"), field: z.literal(field), op: z.literal("not_within_last"), days }),
  ]);

const c = <F extends string, S extends z.ZodRawShape>(field: F, shape: S) =>
  z.object({ type: z.literal("condition"), field: z.literal(field), ...shape });

export const ZEmailCondition = c("email", { op: z.enum(["contains", "ends_with", "equals"]), value: text });
export const ZNameCondition = z.discriminatedUnion("op", [
  c("name", { op: z.literal("contains"), value: text }),
  c("name", { op: z.literal("equals"), value: text }),
  c("name", { op: z.literal("is_empty") }),
]);
export const ZSignedUpCondition = dateCondition("signed_up");
export const ZLastActiveCondition = z.union([dateCondition("last_active"), c("last_active", { op: z.literal("never") })]);
export const ZPlanCondition = c("plan", { op: z.enum(["in", "not_in"]), values: list });
export const ZSubscriptionStatusCondition = c("subscription_status", {
  op: z.enum(["in", "not_in"]),
  values: z.array(z.enum(SUBSCRIPTION_STATUSES)).min(1, "Choose at least one").max(5),
});
export const ZSubscriptionStartedCondition = dateCondition("subscription_started");
export const ZSubscriptionCanceledCondition = dateCondition("subscription_canceled");
export const ZTotalSpentCondition = c("total_spent", { op: cmp, value: amount });
export const ZSpentRecentlyCondition = c("spent_last_days", { days, op: cmp, value: amount });
const propertyValue = z.union([z.string().max(200), z.number().finite(), z.boolean()]);
export const ZEventCondition = c("event", {
  name: text.regex(/^[a-z0-9_.:-]+$/i, "Event names use letters, digits and . _ : -"),
  /** Only events whose property `key` equals `value`. */
  property: z.object({ key: text.regex(/^[a-z0-9_]+$/i, "Property names use letters, digits and _"), value: propertyValue }).optional(),
  /** Only the last N days; all time when absent. */
  days: days.optional(),
  op: z.enum(["has", "has_not", ...CMP_OPS]),
  /** The count compared with (not used by has / has_not). */
  value: z.number().int("A whole number").min(0).max(1_000_000_000).optional(),
}).refine((x) => x.op === "has" || x.op === "has_not" || x.value !== undefined, { message: "Enter a count", path: ["value"] });
export const ZAiUsageCondition = c("ai_usage", {
  metric: z.enum(["tokens", "cost"]),
  model: text.optional(),
  days: days.optional(),
  op: cmp,
  value: amount,
});
/** Revenue (succeeded payments) minus AI cost, all time or in the last N days, in dollars; negative when the user costs more than they bring. */
export const ZMarginCondition = c("margin", { days: days.optional(), op: cmp, value: signedAmount });
export const ZTagCondition = c("tag", { op: z.enum(["has_any", "has_all", "has_none"]), values: list });
export const ZPriorityCondition = z.discriminatedUnion("op", [
  c("priority", { op: z.literal("in"), values: z.array(z.enum(PRIORITIES)).min(1, "Choose at least one").max(4) }),
  c("priority", { op: z.literal("not_in"), values: z.array(z.enum(PRIORITIES)).min(1, "Choose at least one").max(4) }),
  c("priority", { op: z.literal("is_empty") }),
]);
export const ZSegmentCondition = c("segment", { op: z.enum(["member", "not_member"]), segmentId: z.guid("Choose a segment") });
export const ENGAGEMENT_ACTIONS = ["received", "opened", "clicked"] as const;
/**
 * What a user did with campaigns (docs/segments.md): did / did not receive,
 * open or click one (a given campaign, or any), in the last N days or ever;
 * received_not: received one and did not open (click) that one.
 */
export const ZEngagementCondition = c("engagement", {
  action: z.enum(ENGAGEMENT_ACTIONS, "Choose received, opened or clicked"),
  /** One campaign; any campaign when absent. */
  campaignId: z.guid("Choose a campaign").optional(),
  /** Only the last N days (of the receipt, for received_not); ever when absent. */
  days: days.optional(),
  op: z.enum(["did", "did_not", "received_not"]),
}).refine((x) => x.op !== "received_not" || x.action !== "received", {
  message: "“Received but did not” needs opened or clicked",
  path: ["action"],
});
/** The user's address is on the suppression list (for any of the given reasons, or any reason). */
export const ZSuppressedCondition = c("suppressed", {
  op: z.enum(["is", "is_not"]),
  reasons: z.array(z.enum(SUPPRESSION_REASONS)).min(1, "Choose at least one").max(SUPPRESSION_REASONS.length).optional(),
});

export const CONDITION_FIELDS = [
  "email",
  "name",
  "signed_up",
  "last_active",
  "plan",
  "subscription_status",
  "subscription_started",
  "subscription_canceled",
  "total_spent",
  "spent_last_days",
  "event",
  "ai_usage",
  "margin",
  "tag",
  "priority",
  "segment",
  "engagement",
  "suppressed",
] as const;
export type TConditionField = (typeof CONDITION_FIELDS)[number];

const conditionSchemas: Record<TConditionField, z.ZodType> = {
  email: ZEmailCondition,
  name: ZNameCondition,
  signed_up: ZSignedUpCondition,
  last_active: ZLastActiveCondition,
  plan: ZPlanCondition,
  subscription_status: ZSubscriptionStatusCondition,
  subscription_started: ZSubscriptionStartedCondition,
  subscription_canceled: ZSubscriptionCanceledCondition,
  total_spent: ZTotalSpentCondition,
  spent_last_days: ZSpentRecentlyCondition,
  event: ZEventCondition,
  ai_usage: ZAiUsageCondition,
  margin: ZMarginCondition,
  tag: ZTagCondition,
  priority: ZPriorityCondition,
  segment: ZSegmentCondition,
  engagement: ZEngagementCondition,
  suppressed: ZSuppressedCondition,
};

export type TCondition =
  | z.infer<typeof ZEmailCondition>
  | z.infer<typeof ZNameCondition>
  | z.infer<typeof ZSignedUpCondition>
  | z.infer<typeof ZLastActiveCondition>
  | z.infer<typeof ZPlanCondition>
  | z.infer<typeof ZSubscriptionStatusCondition>
  | z.infer<typeof ZSubscriptionStartedCondition>
  | z.infer<typeof ZSubscriptionCanceledCondition>
  | z.infer<typeof ZTotalSpentCondition>
  | z.infer<typeof ZSpentRecentlyCondition>
  | z.infer<typeof ZEventCondition>
  | z.infer<typeof ZAiUsageCondition>
  | z.infer<typeof ZMarginCondition>
  | z.infer<typeof ZTagCondition>
  | z.infer<typeof ZPriorityCondition>
  | z.infer<typeof ZSegmentCondition>
  | z.infer<typeof ZEngagementCondition>
  | z.infer<typeof ZSuppressedCondition>;

/** all: every child holds; any: at least one; not: none of them holds. */
export type TGroup = { type: "group"; match: "all" | "any" | "not"; conditions: TNode[] };
export type TNode = TGroup | TCondition;
export type TCriteria = TGroup;

/**
 * One node, checked by hand rather than with a zod union so an error names
 * the exact place (conditions[1].conditions[0].value) and says what is wrong,
 * not "no union member matched".
 */
const ZNode: z.ZodType<TNode, unknown> = z.unknown().transform((node, ctx): TNode => {
  const fail = (message: string, path: PropertyKey[] = []) => {
    ctx.addIssue({ code: "custom", message, path: path as (string | number)[] });
    return z.NEVER;
  };
  if (typeof node !== "object" || node === null || Array.isArray(node)) return fail("Expected a group or a condition object");
  const n = node as Record<string, unknown>;
  if (n.type === "group") {
    const r = ZGroupShape.safeParse(n);
    if (r.success) return r.data;
    for (const issue of r.error.issues) fail(issue.message, issue.path);
    return z.NEVER;
  }
  if (n.type !== "condition") return fail('type must be "group" or "condition"', ["type"]);
  const schema = typeof n.field === "string" ? conditionSchemas[n.field as TConditionField] : undefined;
  if (!schema) return fail(`Unknown field ${JSON.stringify(n.field)}: use one of ${CONDITION_FIELDS.join(", ")}`, ["field"]);
  const r = schema.safeParse(n);
  if (r.success) return r.data as TCondition;
  for (const issue of r.error.issues) {
    const unknownOp = (issue.code === "invalid_union" && issue.path.length === 0) || (issue.path.length === 1 && issue.path[0] === "op");
    fail(unknownOp ? `Unknown operator ${JSON.stringify(n.op)} for ${String(n.field)}` : issue.message, issue.path);
  }
  return z.NEVER;
});

const ZGroupShape: z.ZodType<TGroup, unknown> = z.strictObject({
  type: z.literal("group"),
  match: z.enum(["all", "any", "not"], 'match must be "all", "any" or "not"'),
  conditions: z
    .array(z.lazy(() => ZNode))
    .min(1, "A group needs at least one condition")
    .max(MAX_NODES, `At most ${MAX_NODES} conditions`),
}) as unknown as z.ZodType<TGroup, unknown>;

function measure(node: TNode, depth: number): { depth: number; nodes: number } {
  if (node.type !== "group") return { depth, nodes: 1 };
  let maxDepth = depth;
  let nodes = 1;
  for (const child of node.conditions) {
    const m = measure(child, depth + 1);
    maxDepth = Math.max(maxDepth, m.depth);
    nodes += m.nodes;
  }
  return { depth: maxDepth, nodes };
}

export const ZCriteria: z.ZodType<TCriteria, unknown> = ZGroupShape.superRefine((root, ctx) => {
  const m = measure(root, 1);
  if (m.depth > MAX_DEPTH) ctx.addIssue({ code: "custom", message: `Groups nest at most ${MAX_DEPTH} deep (this is ${m.depth})` });
  if (m.nodes > MAX_NODES)
    ctx.addIssue({ code: "custom", message: `At most ${MAX_NODES} groups and conditions in all (this has ${m.nodes})` });
});

/** "conditions[1].conditions[0].value: Enter a number" for each issue. */
export function describeCriteriaIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const at = i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "");
    return at ? `${at}: ${i.message}` : i.message;
  });
}

/** The ids of the segments a criteria tree refers to. */
export function referencedSegments(node: TNode, into = new Set<string>()): Set<string> {
  if (node.type === "group") for (const child of node.conditions) referencedSegments(child, into);
  else if (node.field === "segment") into.add(node.segmentId);
  return into;
}

/** The ids of the campaigns a criteria tree refers to (engagement conditions). */
export function referencedCampaigns(node: TNode, into = new Set<string>()): Set<string> {
  if (node.type === "group") for (const child of node.conditions) referencedCampaigns(child, into);
  else if (node.field === "engagement" && node.campaignId) into.add(node.campaignId);
  return into;
}

/**
 * Groups and conditions once every segment condition is replaced by the
 * criteria it refers to (memoised per segment, so it costs one pass per
 * segment). Stops counting just above `cap`.
 */
export function expandedNodeCount(
  node: TNode,
  segments: Map<string, TCriteria>,
  cap = MAX_EXPANDED_NODES,
  memo = new Map<string, number>(),
): number {
  if (node.type === "group") {
    let n = 1;
    for (const child of node.conditions) {
      n += expandedNodeCount(child, segments, cap, memo);
      if (n > cap) return cap + 1;
    }
    return n;
  }
  if (node.field !== "segment") return 1;
  const known = memo.get(node.segmentId);
  if (known !== undefined) return known;
  const inner = segments.get(node.segmentId);
  memo.set(node.segmentId, cap + 1); // a cycle (refused elsewhere) counts as too large
  const n = inner ? Math.min(cap + 1, 1 + expandedNodeCount(inner, segments, cap, memo)) : 1;
  memo.set(node.segmentId, n);
  return n;
}
