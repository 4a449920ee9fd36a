"use client";

import { Fragment } from "react";
import { useFormContext, useWatch } from "react-hook-form";
import { inputClass } from "@/components/ui/primitives";
import { CMP_LABELS, CMP_OPS, type TCondition, type TConditionField } from "@/shared/criteria/schema";
import { PRIORITIES, SUBSCRIPTION_STATUSES, SUPPRESSION_REASONS } from "@/shared/enums";
import { defaultCondition, ENGAGEMENT_OPS, FIELD_OPTIONS, KNOWN_EVENTS, withOperator } from "./criteria-defaults";

// The shared input style without its full width: conditions read as a sentence.
const small = `${inputClass.replace("block w-full", "inline-block")} py-1.5`;
const DATE_OPS = [
  ["within_last", "within the last"],
  ["not_within_last", "not within the last"],
  ["before", "before"],
  ["on_or_after", "on or after"],
  ["between", "between"],
] as const;

export type TBuilderOptions = {
  plans: string[];
  segments: { id: string; name: string }[];
  tags: string[];
  /** Campaigns that went out (newest first), for engagement conditions. */
  campaigns: { id: string; name: string }[];
};

function num(v: string): number {
  return v.trim() === "" ? Number.NaN : Number(v);
}

/** One condition: field, operator and the inputs that operator needs. */
export function ConditionEditor({ path, options, error }: { path: string; options: TBuilderOptions; error?: string }) {
  const { setValue } = useFormContext();
  const c = useWatch({ name: path }) as TCondition & Record<string, unknown>;
  if (!c) return null;
  const set = (next: TCondition) => setValue(path, next, { shouldDirty: true });
  const patch = (p: Record<string, unknown>) => set({ ...c, ...p } as TCondition);
  const label = (what: string) => `${FIELD_OPTIONS.find((f) => f.value === c.field)?.label ?? c.field} ${what}`;

  const opSelect = (ops: readonly (readonly [string, string])[]) => (
    <select aria-label={label("operator")} value={String(c.op)} onChange={(e) => set(withOperator(c, e.target.value))} className={small}>
      {ops.map(([v, l]) => (
        <option key={v} value={v}>
          {l}
        </option>
      ))}
    </select>
  );
  const cmpSelect = () => opSelect(CMP_OPS.map((o) => [o, CMP_LABELS[o]] as const));
  const numberInput = (key: string, what: string, step = "any", signed = false) => (
    <input
      type="number"
      step={step}
      min={signed ? undefined : 0}
      aria-label={label(what)}
      value={Number.isNaN(c[key] as number) || c[key] === undefined ? "" : String(c[key])}
      onChange={(e) => patch({ [key]: num(e.target.value) })}
      className={`${small} w-28`}
    />
  );
  const textInput = (key: string, what: string, placeholder?: string, listId?: string) => (
    <input
      aria-label={label(what)}
      value={String(c[key] ?? "")}
      placeholder={placeholder}
      list={listId}
      onChange={(e) => patch({ [key]: e.target.value })}
      className={`${small} min-w-0 flex-1 basis-40`}
    />
  );
  const checkboxes = (values: readonly string[], selected: string[], key = "values") => (
    <span className="flex flex-wrap gap-x-3 gap-y-1">
      {values.map((v) => (
        <label key={v} className="inline-flex items-center gap-1 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={selected.includes(v)}
            onChange={(e) => {
              const next = e.target.checked ? [...selected, v] : selected.filter((x) => x !== v);
              // Optional lists (suppression reasons) mean "any" when empty.
              patch({ [key]: key !== "values" && next.length === 0 ? undefined : next });
            }}
            className="rounded border-slate-300"
          />
          {v.replace("_", " ")}
        </label>
      ))}
    </span>
  );
  /** "in the last N days", or all time when unticked. */
  const optionalWindow = () => (
    <>
      <label className="inline-flex items-center gap-1 text-sm text-slate-600">
        <input
          type="checkbox"
          checked={c.days !== undefined}
          onChange={(e) => patch({ days: e.target.checked ? 30 : undefined })}
          className="rounded border-slate-300"
        />
        in the last
      </label>
      {c.days !== undefined ? <>{numberInput("days", "days", "1")} days</> : "(all time)"}
    </>
  );
  const dateInputs = () => {
    if (c.op === "never") return null;
    if (c.op === "within_last" || c.op === "not_within_last") return <>{numberInput("days", "days", "1")} days</>;
    if (c.op === "between")
      return (
        <>
          <input
            type="date"
            aria-label={label("from")}
            value={String(c.from ?? "")}
            onChange={(e) => patch({ from: e.target.value })}
            className={small}
          />
          and
          <input
            type="date"
            aria-label={label("to")}
            value={String(c.to ?? "")}
            onChange={(e) => patch({ to: e.target.value })}
            className={small}
          />
        </>
      );
    return (
      <input
        type="date"
        aria-label={label("date")}
        value={String(c.date ?? "")}
        onChange={(e) => patch({ date: e.target.value })}
        className={small}
      />
    );
  };

  let body: React.ReactNode;
  switch (c.field) {
    case "email":
      body = (
        <>
          {opSelect([
            ["ends_with", "ends with"],
            ["contains", "contains"],
            ["equals", "is"],
          ])}
          {textInput("value", "value", c.op === "ends_with" ? "@acme.com" : "")}
        </>
      );
      break;
    case "name":
      body = (
        <>
          {opSelect([
            ["contains", "contains"],
            ["equals", "is"],
            ["is_empty", "is empty"],
          ])}
          {c.op !== "is_empty" ? textInput("value", "value") : null}
        </>
      );
      break;
    case "signed_up":
    case "subscription_started":
    case "subscription_canceled":
      body = (
        <>
          {opSelect(DATE_OPS)}
          {dateInputs()}
        </>
      );
      break;
    case "last_active":
      body = (
        <>
          {opSelect([...DATE_OPS, ["never", "never"]])}
          {dateInputs()}
        </>
      );
      break;
    case "plan":
      body = (
        <>
          {opSelect([
            ["in", "is"],
            ["not_in", "is not"],
          ])}
          {checkboxes(options.plans, (c.values as string[]) ?? [])}
        </>
      );
      break;
    case "subscription_status":
      body = (
        <>
          {opSelect([
            ["in", "is"],
            ["not_in", "is not"],
          ])}
          {checkboxes(SUBSCRIPTION_STATUSES, (c.values as string[]) ?? [])}
        </>
      );
      break;
    case "total_spent":
      body = (
        <>
          {cmpSelect()} ${numberInput("value", "amount")}
        </>
      );
      break;
    case "spent_last_days":
      body = (
        <>
          in the last {numberInput("days", "days", "1")} days: {cmpSelect()} ${numberInput("value", "amount")}
        </>
      );
      break;
    case "event":
      body = (
        <>
          {textInput("name", "name", "assessment.completed", "known-events")}
          {opSelect([["has", "at least once"], ["has_not", "never"], ...CMP_OPS.map((o) => [o, `${CMP_LABELS[o]} … times`] as const)])}
          {c.op !== "has" && c.op !== "has_not" ? numberInput("value", "count", "1") : null}
          {optionalWindow()}
        </>
      );
      break;
    case "margin":
      body = (
        <>
          revenue − AI cost {cmpSelect()} ${numberInput("value", "amount", "any", true)}
          {optionalWindow()}
        </>
      );
      break;
    case "ai_usage":
      body = (
        <>
          <select
            aria-label={label("metric")}
            value={String(c.metric)}
            onChange={(e) => patch({ metric: e.target.value })}
            className={small}
          >
            <option value="cost">cost ($)</option>
            <option value="tokens">tokens</option>
          </select>
          {cmpSelect()}
          {numberInput("value", "amount")}
          {optionalWindow()}
          <input
            aria-label={label("model")}
            value={String(c.model ?? "")}
            placeholder="any model"
            onChange={(e) => patch({ model: e.target.value.trim() === "" ? undefined : e.target.value })}
            className={`${small} w-36`}
          />
        </>
      );
      break;
    case "tag":
      body = (
        <>
          {opSelect([
            ["has_any", "has any of"],
            ["has_all", "has all of"],
            ["has_none", "has none of"],
          ])}
          <input
            aria-label={label("values")}
            list="known-tags"
            defaultValue={((c.values as string[]) ?? []).join(", ")}
            placeholder="beta, churn-risk"
            onChange={(e) =>
              patch({
                values: e.target.value
                  .split(",")
                  .map((t) => t.trim())
                  .filter(Boolean),
              })
            }
            className={`${small} min-w-0 flex-1 basis-40`}
          />
        </>
      );
      break;
    case "priority":
      body = (
        <>
          {opSelect([
            ["in", "is"],
            ["not_in", "is not"],
            ["is_empty", "is not set"],
          ])}
          {c.op !== "is_empty" ? checkboxes(PRIORITIES, (c.values as string[]) ?? []) : null}
        </>
      );
      break;
    case "segment":
      body = (
        <>
          {opSelect([
            ["member", "is a member of"],
            ["not_member", "is not a member of"],
          ])}
          <select
            aria-label={label("segment")}
            value={String(c.segmentId ?? "")}
            onChange={(e) => patch({ segmentId: e.target.value })}
            className={small}
          >
            <option value="">Choose a segment</option>
            {options.segments.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </>
      );
      break;
    case "engagement":
      body = (
        <>
          {opSelect(ENGAGEMENT_OPS)}
          <select
            aria-label={label("action")}
            value={String(c.action)}
            onChange={(e) => patch({ action: e.target.value })}
            className={small}
          >
            {c.op !== "received_not" ? <option value="received">receive</option> : null}
            <option value="opened">open</option>
            <option value="clicked">click</option>
          </select>
          <select
            aria-label={label("campaign")}
            value={String(c.campaignId ?? "")}
            onChange={(e) => patch({ campaignId: e.target.value === "" ? undefined : e.target.value })}
            className={`${small} min-w-0 max-w-full`}
          >
            <option value="">any campaign</option>
            {options.campaigns.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          {optionalWindow()}
        </>
      );
      break;
    case "suppressed": {
      const reasons = (c.reasons as string[] | undefined) ?? [];
      body = (
        <>
          {opSelect([
            ["is", "is suppressed"],
            ["is_not", "is not suppressed"],
          ])}
          <span className="text-slate-500">for</span>
          {checkboxes(SUPPRESSION_REASONS, reasons, "reasons")}
          {reasons.length === 0 ? <span className="text-slate-500">(any reason)</span> : null}
        </>
      );
      break;
    }
  }

  return (
    <div className="min-w-0 flex-1">
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <select
          aria-label="Field"
          value={c.field}
          onChange={(e) =>
            set(
              defaultCondition(e.target.value as TConditionField, {
                plans: options.plans,
                segmentIds: options.segments.map((s) => s.id),
                campaignIds: options.campaigns.map((x) => x.id),
              }),
            )
          }
          className={`${small} font-medium text-slate-800`}
        >
          {[...new Set(FIELD_OPTIONS.map((f) => f.group))].map((g) => (
            <optgroup key={g} label={g}>
              {FIELD_OPTIONS.filter((f) => f.group === g).map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {/* Keyed by field, so inputs of the previous field never carry over. */}
        <Fragment key={c.field}>{body}</Fragment>
      </div>
      {error ? <p className="mt-1 text-xs text-red-700">{error}</p> : null}
      <datalist id="known-events">
        {KNOWN_EVENTS.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <datalist id="known-tags">
        {options.tags.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
    </div>
  );
}
