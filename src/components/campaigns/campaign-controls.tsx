"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { buttonClass, Card, inputClass } from "@/components/ui/primitives";
import type { TCampaign } from "@/server/services/campaigns/manage-campaigns";
import type { TLiveMessage } from "@/server/services/live/live-feed";
import { formatDateTime, formatInt } from "@/shared/format";
import { useTRPC } from "@/trpc/react";
import { CampaignStatusBadge } from "./campaign-status";

/**
 * The review-and-send panel and the live progress of a campaign: polls while
 * it is sending, offers exactly the actions its status allows.
 */
export function CampaignControls({ initial, canEdit, timezone }: { initial: TCampaign; canEdit: boolean; timezone: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const campaign = useQuery({ ...trpc.messaging.campaigns.get.queryOptions({ id: initial.id }), initialData: initial });
  const c = campaign.data;
  // Progress comes from the live stream (the same one the dashboard uses): each tick carries the
  // sending campaigns' counts; when this one is in it with new numbers, or leaves it, reload it once.
  const [lastSent, setLastSent] = useState<number | null>(null);
  useSubscription(
    trpc.live.feed.subscriptionOptions(
      {},
      {
        enabled: c.status === "sending",
        onData: (envelope) => {
          const m = ((envelope as { data?: TLiveMessage }).data ?? envelope) as TLiveMessage;
          if (m.type !== "stats") return;
          const mine = m.campaigns.find((x) => x.id === c.id);
          const sent = mine ? mine.sent : -1;
          if (sent !== lastSent) {
            setLastSent(sent);
            void queryClient.invalidateQueries({ queryKey: trpc.messaging.campaigns.get.queryKey({ id: c.id }) });
          }
        },
      },
    ),
  );
  const audience = useQuery({
    ...trpc.messaging.campaigns.audience.queryOptions({ segmentId: c.segmentId ?? "", type: c.type }),
    enabled: Boolean(c.segmentId) && (c.status === "draft" || c.status === "scheduled"),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.messaging.campaigns.get.queryKey({ id: c.id }) });
    router.refresh();
  };
  const opts = { onSuccess: refresh };
  const send = useMutation(trpc.messaging.campaigns.sendToSegment.mutationOptions(opts));
  const schedule = useMutation(trpc.messaging.campaigns.schedule.mutationOptions(opts));
  const unschedule = useMutation(trpc.messaging.campaigns.unschedule.mutationOptions(opts));
  const pause = useMutation(trpc.messaging.campaigns.pause.mutationOptions(opts));
  const resume = useMutation(trpc.messaging.campaigns.resume.mutationOptions(opts));
  const cancel = useMutation(trpc.messaging.campaigns.cancel.mutationOptions(opts));
  const sendTest = useMutation(trpc.messaging.templates.sendTest.mutationOptions());
  const duplicate = useMutation(
    trpc.messaging.campaigns.duplicate.mutationOptions({ onSuccess: (d) => router.push(`/campaigns/${d.id}`) }),
  );
  const [confirming, setConfirming] = useState(false);
  const [when, setWhen] = useState("");
  // The schedule's timezone: the admin's by default, any IANA zone on request (an audience elsewhere).
  const [zone, setZone] = useState(timezone);
  const zones = useMemo(() => {
    const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    return [...new Set([timezone, "UTC", ...all])];
  }, [timezone]);
  const error = [send, schedule, unschedule, pause, resume, cancel, duplicate, sendTest].find((m) => m.error)?.error?.message;
  const pct = c.totalRecipients ? Math.round(((c.sentCount + c.failedCount) / c.totalRecipients) * 100) : 0;

  return (
    <Card className="space-y-4 p-4">
      <div className="flex items-center justify-between gap-2">
        <p className="text-sm text-slate-600">
          Status: <CampaignStatusBadge status={c.status} />
        </p>
        {canEdit ? (
          <span className="flex gap-3">
            {c.status === "draft" ? (
              <Link href={`/campaigns/${c.id}/edit`} className="text-sm text-brand-700 hover:underline">
                Edit
              </Link>
            ) : null}
            <button type="button" className="text-sm text-brand-700 hover:underline" onClick={() => duplicate.mutate({ id: c.id })}>
              Duplicate
            </button>
          </span>
        ) : null}
      </div>

      {c.status === "draft" || c.status === "scheduled" ? (
        <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700">
          {audience.data ? (
            <p data-testid="review-count">
              Sending now would reach <strong>{formatInt(audience.data.eligible)}</strong>{" "}
              {audience.data.eligible === 1 ? "person" : "people"}
              {c.type === "push" ? (
                <>
                  {" "}
                  on <strong data-testid="review-devices">{formatInt(audience.data.devices)}</strong>{" "}
                  {audience.data.devices === 1 ? "device" : "devices"}
                  {audience.data.withoutDevice
                    ? ` (${formatInt(audience.data.withoutDevice)} ${audience.data.withoutDevice === 1 ? "member has" : "members have"} not turned on notifications)`
                    : ""}
                </>
              ) : null}
              {audience.data.suppressed ? ` (${formatInt(audience.data.suppressed)} suppressed addresses are left out)` : ""}
              {audience.data.capped
                ? ` (${formatInt(audience.data.capped)} ${audience.data.capped === 1 ? "member has" : "members have"} reached the frequency cap and ${audience.data.capped === 1 ? "is" : "are"} left out)`
                : ""}
              . The segment is recomputed at that moment.
            </p>
          ) : c.segmentId ? (
            <p>Counting the audience…</p>
          ) : (
            <p>Choose a segment first.</p>
          )}
          {c.status === "scheduled" && c.scheduledAt ? (
            <p className="mt-1" data-testid="scheduled-for">
              Scheduled for {formatDateTime(c.scheduledAt)} ({c.scheduleTimezone})
              {send.data?.campaign.status === "scheduled" ? ": quiet hours are on, so it starts when they end" : ""}.
              {c.type === "in_app" ? "" : " It waits while quiet hours are on (Settings → Frequency caps and quiet hours)."}
            </p>
          ) : null}
        </div>
      ) : null}

      {c.totalRecipients > 0 ? (
        <div>
          <div className="flex justify-between text-sm">
            <span className="text-slate-600">
              {formatInt(c.sentCount)} of {formatInt(c.totalRecipients)} sent{c.failedCount ? `, ${formatInt(c.failedCount)} failed` : ""}
              {c.cappedCount ? ` · ${formatInt(c.cappedCount)} left out by the frequency cap` : ""}
            </span>
            <span className="tabular-nums text-slate-800" data-testid="progress-percent">
              {pct}%
            </span>
          </div>
          <div
            className="mt-1 h-2 rounded bg-slate-100"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
            aria-label="Sent"
          >
            <div className="h-2 rounded bg-brand-500 transition-[width]" style={{ width: `${pct}%` }} />
          </div>
        </div>
      ) : null}
      {c.lastError ? <p className="text-sm text-red-700">{c.lastError}</p> : null}

      {canEdit ? (
        <div className="flex flex-wrap items-center gap-2">
          {c.status === "draft" || c.status === "scheduled" ? (
            confirming ? (
              <span className="inline-flex flex-wrap items-center gap-2 text-sm">
                Send to {audience.data ? formatInt(audience.data.eligible) : "…"} people
                {c.type === "push" && audience.data ? ` (${formatInt(audience.data.devices)} devices)` : ""} now?
                <button
                  type="button"
                  className={buttonClass.primary}
                  disabled={send.isPending || !c.segmentId}
                  onClick={() => c.segmentId && send.mutate({ campaignId: c.id, segmentId: c.segmentId })}
                >
                  {send.isPending ? "Starting…" : "Yes, send"}
                </button>
                <button type="button" className="text-slate-600" onClick={() => setConfirming(false)}>
                  Not yet
                </button>
              </span>
            ) : (
              <button type="button" className={buttonClass.primary} onClick={() => setConfirming(true)} disabled={!c.segmentId}>
                Send now…
              </button>
            )
          ) : null}
          {c.type === "email" && (c.status === "draft" || c.status === "scheduled") ? (
            <button
              type="button"
              className={buttonClass.secondary}
              disabled={sendTest.isPending}
              onClick={() =>
                sendTest.mutate(c.templateId ? { templateId: c.templateId } : { draft: { subject: c.subject ?? "", body: c.content } })
              }
            >
              {sendTest.isPending ? "Sending…" : sendTest.isSuccess ? `Test sent to ${sendTest.data.to}` : "Send test to me"}
            </button>
          ) : null}
          {c.status === "draft" ? (
            <span className="inline-flex items-center gap-2">
              <label htmlFor="when" className="sr-only">
                Send at
              </label>
              <input
                id="when"
                type="datetime-local"
                value={when}
                onChange={(e) => setWhen(e.target.value)}
                className={`${inputClass.replace("block w-full", "inline-block")} py-1.5`}
              />
              <label htmlFor="when-zone" className="sr-only">
                Timezone of the schedule
              </label>
              <select
                id="when-zone"
                value={zone}
                onChange={(e) => setZone(e.target.value)}
                className="max-w-[11rem] rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
              >
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className={buttonClass.secondary}
                disabled={!when || schedule.isPending}
                onClick={() => schedule.mutate({ id: c.id, localTime: when.slice(0, 16), timezone: zone })}
              >
                Schedule
              </button>
            </span>
          ) : null}
          {c.status === "scheduled" ? (
            <button type="button" className={buttonClass.secondary} onClick={() => unschedule.mutate({ id: c.id })}>
              Back to draft
            </button>
          ) : null}
          {c.status === "sending" ? (
            <button type="button" className={buttonClass.secondary} onClick={() => pause.mutate({ id: c.id })}>
              Pause
            </button>
          ) : null}
          {c.status === "paused" ? (
            <button type="button" className={buttonClass.primary} onClick={() => resume.mutate({ id: c.id })}>
              Resume
            </button>
          ) : null}
          {["draft", "scheduled", "sending", "paused"].includes(c.status) ? (
            <button type="button" className={buttonClass.danger} onClick={() => cancel.mutate({ id: c.id })}>
              Cancel campaign
            </button>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </Card>
  );
}
