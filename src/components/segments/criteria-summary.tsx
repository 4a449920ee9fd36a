import { CMP_LABELS, type TCondition, type TNode } from "@/shared/criteria/schema";
import { formatUsd } from "@/shared/format";
import { FIELD_OPTIONS } from "./criteria-defaults";

const VERB = { received: "receive", opened: "open", clicked: "click" } as const;
const MATCH = { all: "All of", any: "Any of", not: "None of" } as const;

function dates(c: Record<string, unknown>): string {
  switch (c.op) {
    case "before":
      return `before ${c.date}`;
    case "on_or_after":
      return `on or after ${c.date}`;
    case "between":
      return `between ${c.from} and ${c.to}`;
    case "within_last":
      return `within the last ${c.days} days`;
    case "not_within_last":
      return `not within the last ${c.days} days`;
    case "never":
      return "never";
    default:
      return String(c.op);
  }
}

/**
 * One condition in words: "Plan is pro or starter", "Did vision.generated at least 3 times in the last 30 days".
 * `segmentNames` names the segments and campaigns the criteria refer to (ids are unique across both).
 */
export function describeCondition(c: TCondition, segmentNames: Map<string, string>): string {
  const label = FIELD_OPTIONS.find((f) => f.value === c.field)?.label ?? c.field;
  const x = c as unknown as Record<string, unknown>;
  const cmp = (op: string) => CMP_LABELS[op as keyof typeof CMP_LABELS] ?? op;
  const window = (days: unknown) => (days === undefined ? "ever" : `in the last ${days} days`);
  switch (c.field) {
    case "email":
      return `Email ${c.op === "ends_with" ? "ends with" : c.op === "contains" ? "contains" : "is"} “${c.value}”`;
    case "name":
      return c.op === "is_empty" ? "Name is empty" : `Name ${c.op === "contains" ? "contains" : "is"} “${c.value}”`;
    case "signed_up":
    case "last_active":
    case "subscription_started":
    case "subscription_canceled":
      return `${label} ${dates(x)}`;
    case "plan":
    case "subscription_status":
      return `${label} ${c.op === "in" ? "is" : "is not"} ${c.values.join(" or ")}`;
    case "total_spent":
      return `Total spent ${cmp(c.op)} ${formatUsd(c.value)}`;
    case "spent_last_days":
      return `Spent ${cmp(c.op)} ${formatUsd(c.value)} in the last ${c.days} days`;
    case "event": {
      const prop = c.property ? ` with ${c.property.key} = ${JSON.stringify(c.property.value)}` : "";
      const how = c.op === "has" ? "at least once" : c.op === "has_not" ? "never" : `${cmp(c.op)} ${c.value} times`;
      return `Did ${c.name}${prop} ${how} ${window(c.days)}`;
    }
    case "ai_usage":
      return `AI ${c.metric === "cost" ? "cost" : "tokens"}${c.model ? ` on ${c.model}` : ""} ${window(c.days)} ${cmp(c.op)} ${c.metric === "cost" ? formatUsd(c.value) : c.value}`;
    case "margin":
      return `Margin (revenue − AI cost) ${window(c.days)} ${cmp(c.op)} ${formatUsd(c.value)}`;
    case "tag":
      return `Tags: ${c.op === "has_any" ? "any of" : c.op === "has_all" ? "all of" : "none of"} ${c.values.join(", ")}`;
    case "priority":
      return c.op === "is_empty" ? "Priority is not set" : `Priority ${c.op === "in" ? "is" : "is not"} ${c.values.join(" or ")}`;
    case "segment":
      return `${c.op === "member" ? "Is" : "Is not"} a member of “${segmentNames.get(c.segmentId) ?? "a deleted segment"}”`;
    case "engagement": {
      const campaign = c.campaignId ? `campaign “${segmentNames.get(c.campaignId) ?? "a deleted campaign"}”` : "any campaign";
      const how = c.op === "did" ? c.action : c.op === "did_not" ? `did not ${VERB[c.action]}` : `received but did not ${VERB[c.action]}`;
      return `${how[0]?.toUpperCase()}${how.slice(1)} ${campaign} ${window(c.days)}`;
    }
    case "suppressed":
      return `Email ${c.op === "is" ? "is" : "is not"} suppressed${c.reasons ? ` (${c.reasons.join(" or ")})` : ""}`;
  }
}

export function CriteriaSummary({ criteria, segmentNames }: { criteria: TNode; segmentNames: Map<string, string> }) {
  if (criteria.type === "condition") return <span>{describeCondition(criteria, segmentNames)}</span>;
  return (
    <div className="text-sm text-slate-700">
      <p className="font-medium text-slate-900">{MATCH[criteria.match]}:</p>
      <ul className="mt-1 space-y-1 border-l-2 border-slate-200 pl-3">
        {criteria.conditions.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: criteria nodes have no ids; the list is static here
          <li key={i}>
            <CriteriaSummary criteria={c} segmentNames={segmentNames} />
          </li>
        ))}
      </ul>
    </div>
  );
}
