"use client";

import Link from "next/link";
import { Badge } from "@/components/ui/primitives";
import type { TUserListItem } from "@/server/services/users/list-users";
import { formatAgo, formatDate, formatUsd } from "@/shared/format";
import { type TUserSort, USER_SORT_LABELS } from "@/shared/users-query";
import { ClickableRow } from "./clickable-row";

const PRIORITY_TONE = { vip: "brand", high: "red", medium: "amber", low: "slate" } as const;
const STATUS_TONE: Record<string, "green" | "amber" | "red" | "slate"> = {
  active: "green",
  trialing: "amber",
  past_due: "red",
  canceled: "slate",
};

export function PriorityBadge({ priority }: { priority: string | null }) {
  if (!priority) return null;
  return <Badge tone={PRIORITY_TONE[priority as keyof typeof PRIORITY_TONE] ?? "slate"}>{priority}</Badge>;
}

export function PlanBadge({ plan, status }: { plan: string; status: string }) {
  if (status === "none") return <span className="text-slate-500">free</span>;
  return (
    <span className="inline-flex items-center gap-1.5">
      <span className="text-slate-800">{plan}</span>
      {status !== "active" ? <Badge tone={STATUS_TONE[status] ?? "slate"}>{status.replace("_", " ")}</Badge> : null}
    </span>
  );
}

function SortHeader({
  sort,
  current,
  query,
  className = "",
  align = "left",
}: {
  sort: TUserSort;
  current: { sort: TUserSort; dir: "asc" | "desc" };
  query: string;
  className?: string;
  align?: "left" | "right";
}) {
  const active = current.sort === sort;
  const nextDir = active && current.dir === "desc" ? "asc" : "desc";
  const params = new URLSearchParams(query);
  params.delete("sort");
  params.delete("dir");
  if (sort !== "joined") params.set("sort", sort);
  if (nextDir !== "desc") params.set("dir", nextDir);
  const qs = params.toString();
  return (
    <th
      scope="col"
      aria-sort={active ? (current.dir === "desc" ? "descending" : "ascending") : "none"}
      className={`px-3 py-2.5 ${align === "right" ? "text-right" : ""} ${className}`}
    >
      <Link
        href={`/users${qs ? `?${qs}` : ""}`}
        className={`inline-flex items-center gap-1 hover:text-slate-900 ${active ? "text-slate-900" : ""}`}
      >
        {USER_SORT_LABELS[sort]}
        <span aria-hidden className="text-[10px]">
          {active ? (current.dir === "desc" ? "▼" : "▲") : ""}
        </span>
      </Link>
    </th>
  );
}

export type TRowSelection = {
  selected: ReadonlySet<string>;
  toggle(id: string): void;
  /** Selects every row shown, or clears them when all are selected. */
  toggleAll(): void;
};

/** The users list: dense, sortable by its headers, a row opens the profile; with `selection`, rows can be ticked. */
export function UsersTable({
  items,
  sort,
  query,
  now,
  selection,
}: {
  items: TUserListItem[];
  sort: { sort: TUserSort; dir: "asc" | "desc" };
  query: string;
  now: number;
  selection?: TRowSelection;
}) {
  const allSelected = selection ? items.length > 0 && items.every((u) => selection.selected.has(u.id)) : false;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="users-table">
        <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            {selection ? (
              <th scope="col" className="w-8 py-2.5 pl-3">
                <input
                  type="checkbox"
                  aria-label="Select all users shown"
                  checked={allSelected}
                  ref={(el) => {
                    if (el) el.indeterminate = !allSelected && selection.selected.size > 0;
                  }}
                  onChange={selection.toggleAll}
                  className="rounded border-slate-300"
                />
              </th>
            ) : null}
            <th scope="col" className="px-3 py-2.5">
              User
            </th>
            <th scope="col" className="hidden px-3 py-2.5 md:table-cell">
              Plan
            </th>
            <SortHeader sort="joined" current={sort} query={query} className="hidden lg:table-cell" />
            <SortHeader sort="lastActive" current={sort} query={query} className="hidden sm:table-cell" />
            <SortHeader sort="spent" current={sort} query={query} align="right" />
            <SortHeader sort="aiCost" current={sort} query={query} align="right" className="hidden sm:table-cell" />
            <SortHeader sort="margin" current={sort} query={query} align="right" className="hidden md:table-cell" />
            <th scope="col" className="hidden px-3 py-2.5 xl:table-cell">
              Tags
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((u) => (
            <ClickableRow key={u.id} href={`/users/${u.id}`} selected={selection?.selected.has(u.id)}>
              {selection ? (
                <td className="w-8 py-2 pl-3">
                  <input
                    type="checkbox"
                    aria-label={`Select ${u.name ?? u.email}`}
                    checked={selection.selected.has(u.id)}
                    onChange={() => selection.toggle(u.id)}
                    className="rounded border-slate-300"
                  />
                </td>
              ) : null}
              <td className="max-w-[16rem] px-3 py-2">
                <Link href={`/users/${u.id}`} className="block truncate font-medium text-slate-900 hover:text-brand-700">
                  {u.name ?? u.email}
                </Link>
                <span className="flex items-center gap-1.5">
                  <span className="truncate text-xs text-slate-500" data-testid="user-email">
                    {u.email}
                  </span>
                  <PriorityBadge priority={u.priority} />
                </span>
              </td>
              <td className="hidden whitespace-nowrap px-3 py-2 md:table-cell">
                <PlanBadge plan={u.plan} status={u.subscriptionStatus} />
              </td>
              <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 lg:table-cell">{formatDate(u.joinedAt)}</td>
              <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 sm:table-cell">{formatAgo(u.lastActiveAt, now)}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-800">{formatUsd(u.totalSpent)}</td>
              <td className="hidden whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-600 sm:table-cell">
                {formatUsd(u.aiCostUsd)}
              </td>
              <td
                className={`hidden whitespace-nowrap px-3 py-2 text-right tabular-nums md:table-cell ${Math.round(u.marginUsd * 100) < 0 ? "font-medium text-red-700" : "text-slate-600"}`}
              >
                {formatUsd(u.marginUsd)}
              </td>
              <td className="hidden max-w-[14rem] px-3 py-2 xl:table-cell">
                <span className="flex flex-wrap gap-1">
                  {u.tags.slice(0, 3).map((t) => (
                    <Badge key={t}>{t}</Badge>
                  ))}
                  {u.tags.length > 3 ? <span className="text-xs text-slate-500">+{u.tags.length - 3}</span> : null}
                </span>
              </td>
            </ClickableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}
