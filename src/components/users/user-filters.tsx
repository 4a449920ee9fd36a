"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState, useTransition } from "react";
import { buttonClass, inputClass } from "@/components/ui/primitives";
import { PRIORITIES, SUBSCRIPTION_STATUSES } from "@/shared/enums";
import { type TUserFilters, type TUserSort, usersQueryString, ZUserFilters } from "@/shared/users-query";

const STATUS_LABELS: Record<(typeof SUBSCRIPTION_STATUSES)[number], string> = {
  none: "never subscribed",
  trialing: "trialing",
  active: "active",
  past_due: "past due",
  canceled: "canceled",
};

function activeCount(f: TUserFilters) {
  const { search: _s, tagMode: _m, ...rest } = f;
  return Object.values(rest).filter((v) => v !== undefined && (!Array.isArray(v) || v.length > 0)).length;
}

/** Search and filters of the users list. They live in the URL: apply navigates, so a view can be shared. */
export function UserFilters({
  filters,
  sort,
  plans,
  segments,
}: {
  filters: TUserFilters;
  sort: { sort: TUserSort; dir: "asc" | "desc" };
  plans: string[];
  segments: { id: string; name: string }[];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const count = activeCount(filters);
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const text = (k: string) => {
      const v = String(fd.get(k) ?? "").trim();
      return v === "" ? undefined : v;
    };
    const num = (k: string) => {
      const v = text(k);
      return v === undefined ? undefined : Number(v);
    };
    const many = (k: string) => {
      const v = fd.getAll(k).map(String).filter(Boolean);
      return v.length ? v : undefined;
    };
    const candidate = {
      search: text("q"),
      plans: many("plan"),
      statuses: many("status"),
      tags: text("tags")
        ?.split(",")
        .map((t) => t.trim())
        .filter(Boolean),
      tagMode: text("tagMode") ?? "any",
      priorities: many("priority"),
      joinedFrom: text("joinedFrom"),
      joinedTo: text("joinedTo"),
      activeFrom: text("activeFrom"),
      activeTo: text("activeTo"),
      spentMin: num("spentMin"),
      spentMax: num("spentMax"),
      aiCostMin: num("aiCostMin"),
      aiCostMax: num("aiCostMax"),
      unprofitable: fd.get("unprofitable") ? true : undefined,
      segmentId: text("segment"),
    };
    const parsed = ZUserFilters.safeParse(candidate);
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "form");
        next[key] ??= Number.isNaN(candidate[key as keyof typeof candidate]) ? "Enter a number" : issue.message;
      }
      setErrors(next);
      setOpen(true);
      return;
    }
    setErrors({});
    const qs = usersQueryString(parsed.data, sort);
    startTransition(() => router.push(`/users${qs ? `?${qs}` : ""}`));
  }

  const err = (k: string) =>
    errors[k] ? (
      <p className="mt-1 text-xs text-red-700" id={`${k}-error`}>
        {errors[k]}
      </p>
    ) : null;
  const checkbox = (name: string, value: string, label: string, checked: boolean) => (
    <label key={value} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
      <input type="checkbox" name={name} value={value} defaultChecked={checked} className="rounded border-slate-300" />
      {label}
    </label>
  );
  const rangeEnd = (label: string, end: "from" | "to", name: string, type: "date" | "number", value: unknown) => (
    <input
      aria-label={`${label} ${end}`}
      name={name}
      type={type}
      step={type === "number" ? "0.01" : undefined}
      min={type === "number" ? 0 : undefined}
      placeholder={type === "number" ? (end === "from" ? "min" : "max") : undefined}
      defaultValue={value === undefined ? "" : String(value)}
      aria-invalid={Boolean(errors[name])}
      className={`${inputClass} py-1.5`}
    />
  );
  const range = (label: string, from: string, to: string, type: "date" | "number", values: [unknown, unknown]) => (
    <fieldset>
      <legend className="mb-1 text-xs font-medium text-slate-600">{label}</legend>
      <div className="flex items-center gap-1.5">
        {rangeEnd(label, "from", from, type, values[0])}
        <span className="text-slate-500">–</span>
        {rangeEnd(label, "to", to, type, values[1])}
      </div>
      {err(from)}
      {err(to)}
    </fieldset>
  );

  return (
    <form onSubmit={onSubmit} aria-label="Search and filter users" className="rounded-lg border border-slate-200 bg-white p-3 shadow-xs">
      <div className="flex flex-wrap gap-2">
        <label htmlFor="users-q" className="sr-only">
          Search users
        </label>
        <input
          id="users-q"
          name="q"
          type="search"
          defaultValue={filters.search ?? ""}
          placeholder="Search by email or name"
          className={`${inputClass} min-w-0 flex-1 basis-56`}
        />
        <button type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open} className={buttonClass.secondary}>
          Filters{count ? ` (${count})` : ""}
        </button>
        <button type="submit" className={buttonClass.primary} disabled={pending}>
          {pending ? "Loading…" : "Apply"}
        </button>
        {count || filters.search ? (
          <button
            type="button"
            className="px-2 text-sm text-slate-600 underline hover:text-slate-900"
            onClick={() => startTransition(() => router.push("/users"))}
          >
            Clear
          </button>
        ) : null}
      </div>
      <div hidden={!open} className="mt-3 grid gap-4 border-t border-slate-100 pt-3 sm:grid-cols-2 xl:grid-cols-3">
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600">Plan</legend>
          <div className="flex flex-wrap gap-x-3 gap-y-1">
            {plans.map((p) => checkbox("plan", p, p, filters.plans?.includes(p) ?? false))}
          </div>
        </fieldset>
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600">Subscription status</legend>
          <div className="flex flex-wrap gap-x-3 gap-y-1">
            {SUBSCRIPTION_STATUSES.map((s) => checkbox("status", s, STATUS_LABELS[s], filters.statuses?.includes(s) ?? false))}
          </div>
        </fieldset>
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600">Priority</legend>
          <div className="flex flex-wrap gap-x-3 gap-y-1">
            {PRIORITIES.map((p) => checkbox("priority", p, p, filters.priorities?.includes(p) ?? false))}
          </div>
        </fieldset>
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600">Tags (comma-separated)</legend>
          <div className="flex gap-1.5">
            <input
              name="tags"
              aria-label="Tags"
              defaultValue={filters.tags?.join(", ") ?? ""}
              placeholder="beta, churn-risk"
              className={`${inputClass} py-1.5`}
            />
            <select name="tagMode" aria-label="Match" defaultValue={filters.tagMode} className={`${inputClass} w-24 py-1.5`}>
              <option value="any">any</option>
              <option value="all">all</option>
            </select>
          </div>
          {err("tags")}
        </fieldset>
        {range("Joined", "joinedFrom", "joinedTo", "date", [filters.joinedFrom, filters.joinedTo])}
        {range("Last active", "activeFrom", "activeTo", "date", [filters.activeFrom, filters.activeTo])}
        {range("Total spent ($)", "spentMin", "spentMax", "number", [filters.spentMin, filters.spentMax])}
        {range("AI cost ($)", "aiCostMin", "aiCostMax", "number", [filters.aiCostMin, filters.aiCostMax])}
        <fieldset>
          <legend className="mb-1 text-xs font-medium text-slate-600">Segment</legend>
          <select name="segment" aria-label="Segment" defaultValue={filters.segmentId ?? ""} className={`${inputClass} py-1.5`}>
            <option value="">Any</option>
            {segments.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset className="flex items-end">
          <label className="inline-flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              name="unprofitable"
              value="1"
              defaultChecked={filters.unprofitable ?? false}
              className="rounded border-slate-300"
            />
            Only users whose AI cost exceeds their revenue
          </label>
        </fieldset>
      </div>
      {err("form")}
    </form>
  );
}
