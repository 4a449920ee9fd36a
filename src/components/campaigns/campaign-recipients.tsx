"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { Badge, buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { formatDateTime, formatInt, formatShortDateTime } from "@/shared/format";
import { RECIPIENT_FILTER_LABELS, RECIPIENT_FILTERS, type TRecipientFilter } from "@/shared/schemas/campaigns";
import { useTRPC } from "@/trpc/react";

const STATUS_TONE: Record<string, "slate" | "green" | "amber" | "red" | "brand"> = {
  queued: "slate",
  sent: "slate",
  delivered: "green",
  opened: "brand",
  clicked: "brand",
  failed: "red",
  bounced: "red",
  complained: "red",
};

function When({ at }: { at: Date | null }) {
  return at ? (
    <time dateTime={at.toISOString()} title={formatDateTime(at)}>
      {formatShortDateTime(at)}
    </time>
  ) : (
    <>—</>
  );
}

/**
 * Who got the campaign and what each did: filtered by funnel stage (the
 * counts match the report), searched by address or name, 50 rows a page; the CSV
 * has the same filter and search.
 */
/** The status as the channel names it: an in-app message is "read", a push "accepted" by its push service. */
const statusLabel = (channel: "email" | "in_app" | "push", status: string) =>
  channel === "in_app" && status === "opened" ? "read" : channel === "push" && status === "delivered" ? "accepted" : status;

/** A notification is accepted or not, then clicked or not: no opens, bounces or complaints. */
const PUSH_FILTERS: readonly TRecipientFilter[] = ["all", "queued", "sent", "delivered", "clicked", "failed"];

export function CampaignRecipients({ campaignId, channel }: { campaignId: string; channel: "email" | "in_app" | "push" }) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<TRecipientFilter>("all");
  const [search, setSearch] = useState("");
  const query = useDeferredValue(search.trim());
  const q = useInfiniteQuery({
    ...trpc.messaging.campaigns.recipients.infiniteQueryOptions(
      { id: campaignId, filter, search: query || undefined, limit: 50 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    placeholderData: keepPreviousData,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const params = new URLSearchParams({ filter, ...(query ? { search: query } : {}) });
  const email = channel === "email";
  const push = channel === "push";
  const tracked = !push;
  const filters = push ? PUSH_FILTERS : RECIPIENT_FILTERS;

  return (
    <Card>
      <CardHeader
        title="Recipients"
        description={
          email
            ? "Who got it and what they did, as the email provider reported"
            : push
              ? "Who got it, on how many devices, and who clicked"
              : "Who got it, read it and clicked, as the main app reported"
        }
        actions={
          <a href={`/api/campaigns/${campaignId}/recipients?${params}`} className={buttonClass.secondary} download>
            Export CSV
          </a>
        }
      />
      <div className="flex flex-col gap-2 border-b border-slate-100 px-4 py-3 sm:flex-row">
        <label className="sm:w-56">
          <span className="sr-only">Show</span>
          <select
            aria-label="Show recipients"
            value={filter}
            onChange={(e) => setFilter(e.target.value as TRecipientFilter)}
            className={inputClass}
          >
            {filters.map((f) => (
              <option key={f} value={f}>
                {push && f === "delivered" ? "Accepted by the push service" : RECIPIENT_FILTER_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        <label className="min-w-0 flex-1">
          <span className="sr-only">Search recipients by address or name</span>
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Search by address or name"
            maxLength={200}
            className={inputClass}
          />
        </label>
      </div>
      {q.isError ? (
        <p role="alert" className="px-4 py-6 text-sm text-red-700">
          Could not load the recipients: {q.error.message}
        </p>
      ) : q.isPending ? (
        <p className="px-4 py-6 text-sm text-slate-500">Loading recipients…</p>
      ) : items.length === 0 ? (
        <p className="px-4 py-6 text-sm text-slate-500" data-testid="recipients-empty">
          {query || filter !== "all" ? "No recipient matches this filter." : "No recipients yet."}
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="recipients-table" aria-busy={q.isFetching}>
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2.5">
                  Recipient
                </th>
                <th scope="col" className="px-3 py-2.5">
                  Status
                </th>
                <th scope="col" className="hidden px-3 py-2.5 2xl:table-cell">
                  {email ? "Delivered (UTC)" : push ? "Accepted (UTC)" : "In inbox (UTC)"}
                </th>
                {push ? (
                  <>
                    <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                      Devices
                    </th>
                    <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                      Clicked
                    </th>
                  </>
                ) : null}
                {tracked ? (
                  <>
                    <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                      {email ? "Opened" : "Read"}
                    </th>
                    <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                      Clicked
                    </th>
                    <th scope="col" className="hidden px-3 py-2.5 2xl:table-cell">
                      Links clicked
                    </th>
                  </>
                ) : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((r) => (
                <tr key={r.trackingId} className="align-top">
                  <td className="max-w-[16rem] px-3 py-2">
                    <Link href={`/users/${r.userId}`} className="block truncate font-medium text-slate-900 hover:text-brand-700">
                      {r.email}
                    </Link>
                    {r.name ? <span className="block truncate text-xs text-slate-500">{r.name}</span> : null}
                  </td>
                  <td className="px-3 py-2">
                    <span className="flex flex-wrap gap-1">
                      <Badge tone={STATUS_TONE[r.status] ?? "slate"}>{statusLabel(channel, r.status)}</Badge>
                      {r.unsubscribed ? <Badge tone="amber">unsubscribed</Badge> : null}
                    </span>
                    {r.reason ? <span className="mt-0.5 block max-w-[14rem] text-xs text-red-700">{r.reason}</span> : null}
                  </td>
                  <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 2xl:table-cell">
                    <When at={r.deliveredAt} />
                  </td>
                  {push ? (
                    <>
                      <td className="hidden whitespace-nowrap px-3 py-2 tabular-nums text-slate-600 sm:table-cell">
                        {r.devicesAccepted} of {r.devices} accepted
                      </td>
                      <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 sm:table-cell">
                        <When at={r.firstClickedAt} />
                        {r.clickCount > 1 ? <span className="text-xs text-slate-500"> ×{formatInt(r.clickCount)}</span> : null}
                      </td>
                    </>
                  ) : null}
                  {tracked ? (
                    <>
                      <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 sm:table-cell">
                        <When at={r.firstOpenedAt} />
                        {r.openCount > 1 ? <span className="text-xs text-slate-500"> ×{formatInt(r.openCount)}</span> : null}
                      </td>
                      <td className="hidden whitespace-nowrap px-3 py-2 text-slate-600 sm:table-cell">
                        <When at={r.firstClickedAt} />
                        {r.clickCount > 1 ? <span className="text-xs text-slate-500"> ×{formatInt(r.clickCount)}</span> : null}
                      </td>
                      <td className="hidden max-w-[12rem] px-3 py-2 text-xs text-slate-600 2xl:table-cell">
                        {r.links.map((l) => (
                          <span key={l} className="block truncate" title={l}>
                            {l}
                          </span>
                        ))}
                      </td>
                    </>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.hasNextPage ? (
        <div className="border-t border-slate-100 px-4 py-3">
          <button type="button" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage} className={buttonClass.secondary}>
            {q.isFetchingNextPage ? "Loading…" : "Show more"}
          </button>
        </div>
      ) : null}
    </Card>
  );
}
