"use client";

import { useQuery } from "@tanstack/react-query";
import { Card, CardHeader } from "@/components/ui/primitives";
import { formatDateTime, formatInt } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

const people = (n: number) => `${formatInt(n)} ${n === 1 ? "person" : "people"}`;
const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 1000) / 10}%`);

/**
 * The report: funnel, opens and clicks over time, clicks per link; refreshed while events come in.
 * In-app campaigns use the same funnel: delivered is "in the inbox", opened is "read" (the main app reports both reads and clicks).
 * Push: sent, accepted by the push service, clicked (a notification has no "opened"), and the devices by outcome.
 */
export function CampaignReport({
  campaignId,
  live,
  channel = "email",
}: {
  campaignId: string;
  live: boolean;
  channel?: "email" | "in_app" | "push";
}) {
  const inApp = channel === "in_app";
  const push = channel === "push";
  const opened = inApp ? "Read" : "Opened";
  const trpc = useTRPC();
  const every = live ? 2000 : 15_000;
  const funnel = useQuery({ ...trpc.messaging.campaigns.funnel.queryOptions({ id: campaignId }), refetchInterval: every });
  const opens = useQuery({ ...trpc.messaging.campaigns.openRates.queryOptions({ id: campaignId }), refetchInterval: every });
  const clicks = useQuery({ ...trpc.messaging.campaigns.clickRates.queryOptions({ id: campaignId }), refetchInterval: every });
  const devices = useQuery({
    ...trpc.messaging.campaigns.pushDevices.queryOptions({ id: campaignId }),
    refetchInterval: every,
    enabled: push,
  });
  const f = funnel.data;
  if (!f) return <Card className="p-4 text-sm text-slate-500">Loading the report…</Card>;
  const steps = push
    ? ([
        ["Sent", f.sent, null],
        ["Accepted", f.delivered, null],
        ["Clicked", f.clicked, f.clickRate],
        ["Failed", f.failed, null],
      ] as const)
    : ([
        ["Sent", f.sent, null],
        [inApp ? "In inbox" : "Delivered", f.delivered, null],
        [opened, f.opened, f.openRate],
        ["Clicked", f.clicked, f.clickRate],
      ] as const);
  const d = devices.data;
  const problems = push
    ? ([
        ["Devices accepted", d?.accepted ?? 0],
        ["Gone (unsubscribed in the browser)", d?.gone ?? 0],
        ["Failed", d?.failed ?? 0],
        ["Waiting", d?.queued ?? 0],
      ] as const)
    : inApp
      ? ([["Failed", f.failed]] as const)
      : ([
          ["Bounced", f.bounced],
          ["Complained", f.complained],
          ["Unsubscribed", f.unsubscribed],
          ["Failed", f.failed],
        ] as const);
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title="Report"
          description={
            push
              ? "Accepted: a push service took the notification for at least one of the person's devices; the click rate is of those"
              : inApp
                ? "Reads and clicks as the main app reports them; rates are of messages in the inbox"
                : "Opens and clicks as the email provider reports them; rates are of delivered emails"
          }
        />
        <div className="grid grid-cols-2 gap-3 p-4 sm:grid-cols-4" data-testid="funnel">
          {steps.map(([label, value, rate]) => (
            <div key={label} className="rounded-md border border-slate-200 px-3 py-2">
              <p className="text-xs text-slate-500">{label}</p>
              <p
                className="text-lg font-semibold tabular-nums text-slate-900"
                data-testid={`funnel-${label.toLowerCase().replace(" ", "-")}`}
              >
                {formatInt(value)}
              </p>
              {rate !== null ? <p className="text-xs text-slate-500">{pct(rate)}</p> : null}
            </div>
          ))}
        </div>
        <p className="flex flex-wrap gap-x-4 border-t border-slate-100 px-4 py-2 text-xs text-slate-600">
          {problems.map(([label, value]) => (
            <span key={label}>
              {label}: <span className="tabular-nums">{formatInt(value)}</span>
            </span>
          ))}
        </p>
      </Card>
      <div className="grid gap-6 xl:grid-cols-2">
        {push ? (
          <Card>
            <CardHeader
              title="Clicks per hour"
              description={`${people(clicks.data?.uniqueClicks ?? 0)} clicked (first clicks in brackets)`}
            />
            <HourBars label="Clicks per hour" series={clicks.data?.series ?? []} empty="No clicks yet" />
          </Card>
        ) : (
          <Card>
            <CardHeader
              title={inApp ? "Reads per hour" : "Opens per hour"}
              description={`${people(opens.data?.uniqueOpens ?? 0)} ${inApp ? "read it (first reads" : "opened (first opens"} in brackets)`}
            />
            <HourBars
              label={inApp ? "Reads per hour" : "Opens per hour"}
              series={opens.data?.series ?? []}
              empty={inApp ? "No reads yet" : "No opens yet"}
            />
          </Card>
        )}
        <Card>
          <CardHeader title="Clicks per link" description={`${people(clicks.data?.uniqueClicks ?? 0)} clicked`} />
          {clicks.data?.links.length ? (
            <div className="overflow-x-auto">
              <table className="w-full table-fixed text-sm" data-testid="links">
                <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-4 py-2 font-medium">Link</th>
                    <th className="w-20 px-4 py-2 text-right font-medium">People</th>
                    <th className="w-20 px-4 py-2 text-right font-medium">Clicks</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {clicks.data.links.map((l) => (
                    <tr key={l.link}>
                      <td className="truncate px-4 py-2 text-slate-700" title={l.link}>
                        {l.link}
                      </td>
                      <td className="px-4 py-2 text-right tabular-nums">{formatInt(l.unique)}</td>
                      <td className="px-4 py-2 text-right tabular-nums text-slate-500">{formatInt(l.total)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="px-4 py-6 text-sm text-slate-500">No clicks yet</p>
          )}
        </Card>
      </div>
    </div>
  );
}

/** Events per hour as bars: the total, and the people for whom it was the first (in brackets). */
function HourBars({ label, series, empty }: { label: string; series: { hour: Date; total: number; unique: number }[]; empty: string }) {
  if (!series.length) return <p className="px-4 py-6 text-sm text-slate-500">{empty}</p>;
  const max = Math.max(1, ...series.map((x) => x.total));
  return (
    <ul className="max-h-64 space-y-1.5 overflow-auto p-4 text-sm" aria-label={label}>
      {series.map((p) => (
        <li key={p.hour.toISOString()} className="grid grid-cols-[9rem_1fr_4rem] items-center gap-2">
          <span className="text-xs text-slate-500">{formatDateTime(p.hour)}</span>
          <span className="h-2 rounded bg-slate-100">
            <span className="block h-2 rounded bg-brand-500" style={{ width: `${(p.total / max) * 100}%` }} />
          </span>
          <span className="text-right tabular-nums text-slate-700">
            {formatInt(p.total)} <span className="text-xs text-slate-500">({formatInt(p.unique)})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
