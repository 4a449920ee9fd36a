"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { buttonClass, Card, CardHeader } from "@/components/ui/primitives";
import { TIMELINE_KINDS, type TTimelineKind } from "@/shared/enums";
import { formatDateTime, formatUsd } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

const KIND_LABELS: Record<TTimelineKind, string> = {
  session: "Sessions",
  event: "Product events",
  payment: "Payments",
  subscription: "Subscriptions",
  edit: "Admin edits",
  message: "Messages",
  campaign: "Campaigns",
  segment: "Segments",
};
const KIND_DOT: Record<TTimelineKind, string> = {
  session: "bg-slate-300",
  event: "bg-brand-500",
  payment: "bg-emerald-500",
  subscription: "bg-amber-500",
  edit: "bg-violet-500",
  message: "bg-sky-500",
  campaign: "bg-cyan-600",
  segment: "bg-rose-400",
};

function summary(kind: TTimelineKind, d: Record<string, unknown>): string {
  if (kind === "session") return typeof d.seconds === "number" ? `${Math.max(1, Math.round(d.seconds / 60))} min` : "still open";
  if (kind === "payment") return `${formatUsd(Number(d.amount ?? 0))} ${d.plan ? `· ${String(d.plan)}` : ""}`;
  if (kind === "message") return String(d.content ?? "");
  if (kind === "campaign") return String(d.outcome ?? "");
  if (kind === "edit") {
    const after = (d.after ?? {}) as Record<string, unknown>;
    return Object.keys(after).join(", ");
  }
  const entries = Object.entries(d).filter(([, v]) => v !== null && typeof v !== "object");
  return entries
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(" · ");
}

/** Everything that happened to the user, newest first, filterable by kind, loaded a page at a time. */
export function UserTimeline({ userId }: { userId: string }) {
  const trpc = useTRPC();
  const [kinds, setKinds] = useState<TTimelineKind[]>([]);
  const q = useInfiniteQuery(
    trpc.users.timeline.infiniteQueryOptions(
      { userId, kinds: kinds.length ? kinds : undefined, limit: 25 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const toggle = (k: TTimelineKind) => setKinds((cur) => (cur.includes(k) ? cur.filter((x) => x !== k) : [...cur, k]));

  return (
    <Card>
      <CardHeader title="Activity timeline" description="Newest first" />
      <fieldset className="flex flex-wrap gap-1.5 border-b border-slate-100 px-4 py-2">
        <legend className="sr-only">Show kinds</legend>
        {TIMELINE_KINDS.map((k) => (
          <button
            key={k}
            type="button"
            aria-pressed={kinds.includes(k)}
            onClick={() => toggle(k)}
            className={`rounded-full border px-2.5 py-0.5 text-xs ${kinds.includes(k) ? "border-brand-500 bg-brand-50 text-brand-700" : "border-slate-200 text-slate-600 hover:bg-slate-50"}`}
          >
            {KIND_LABELS[k]}
          </button>
        ))}
      </fieldset>
      {q.isPending ? (
        <p className="px-4 py-6 text-sm text-slate-500">Loading activity…</p>
      ) : q.isError ? (
        <p role="alert" className="px-4 py-6 text-sm text-red-700">
          Could not load the timeline: {q.error.message}
        </p>
      ) : items.length === 0 ? (
        <p className="px-4 py-6 text-center text-sm text-slate-500">Nothing {kinds.length ? "of these kinds " : ""}yet</p>
      ) : (
        <ol className="divide-y divide-slate-100" data-testid="timeline">
          {items.map((e) => (
            <li key={`${e.kind}:${e.id}`} className="flex gap-3 px-4 py-2 text-sm">
              <span aria-hidden className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${KIND_DOT[e.kind]}`} />
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap justify-between gap-x-3">
                  <span className="font-medium text-slate-800">{e.title}</span>
                  <time className="text-xs text-slate-500" dateTime={e.at.toISOString()}>
                    {formatDateTime(e.at)}
                  </time>
                </p>
                <p className="truncate text-xs text-slate-500">{summary(e.kind, e.detail)}</p>
              </div>
            </li>
          ))}
        </ol>
      )}
      {q.hasNextPage ? (
        <div className="border-t border-slate-100 px-4 py-2">
          <button type="button" className={buttonClass.secondary} disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            {q.isFetchingNextPage ? "Loading…" : "Load older"}
          </button>
        </div>
      ) : null}
    </Card>
  );
}
