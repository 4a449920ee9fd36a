"use client";

import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Card, CardHeader } from "@/components/ui/primitives";
import type { TAutomationActivity, TCampaignProgress, TLiveCounters, TLiveItem, TLiveMessage } from "@/server/services/live/live-feed";
import { formatInt } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

const KINDS = [
  ["all", "Everything"],
  ["session", "Sessions"],
  ["assessment", "Assessments"],
  ["vision", "Visions"],
  ["intensive", "Intensive"],
  ["other", "Other events"],
] as const;
type TKind = (typeof KINDS)[number][0];

function kindOf(item: TLiveItem): TKind {
  if (item.kind === "session") return "session";
  if (item.name.startsWith("assessment.")) return "assessment";
  if (item.name.startsWith("vision.")) return "vision";
  if (item.name.startsWith("intensive.")) return "intensive";
  return "other";
}

const time = (d: Date) => d.toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "UTC" });
const day = (d: Date) => d.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
/** Nothing newer than this: the panel says how long it has been quiet. */
const QUIET_MS = 15 * 60_000;

/**
 * The live panel: counters and a scrolling feed of what users do, pushed by
 * the server (one reader per server, however many dashboards are open). The
 * indicator says honestly whether the stream is live, reconnecting or off.
 */
export function LivePanel({ canSimulate, simulating: initiallySimulating = false }: { canSimulate: boolean; simulating?: boolean }) {
  const [simulating, setSimulating] = useState(initiallySimulating);
  const toggleSimulation = async () => {
    const res = await fetch("/api/dev/activity", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ running: !simulating }),
    });
    if (res.ok) setSimulating(((await res.json()) as { running: boolean }).running);
  };
  const trpc = useTRPC();
  const [items, setItems] = useState<TLiveItem[]>([]);
  const [counters, setCounters] = useState<TLiveCounters | null>(null);
  const [campaigns, setCampaigns] = useState<TCampaignProgress[]>([]);
  const [automations, setAutomations] = useState<TAutomationActivity[]>([]);
  const [paused, setPaused] = useState(false);
  const [kind, setKind] = useState<TKind>("all");
  const [online, setOnline] = useState(true);
  const [everConnected, setEverConnected] = useState(false);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    update();
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);

  const sub = useSubscription(
    trpc.live.feed.subscriptionOptions(
      {},
      {
        onData: (envelope) => {
          const m = ((envelope as { data?: TLiveMessage }).data ?? envelope) as TLiveMessage;
          setEverConnected(true);
          if (m.type === "stats") {
            setCounters(m.counters);
            setCampaigns(m.campaigns);
            setAutomations(m.automations ?? []);
          } else if (!paused) {
            // Newest first by when it happened (a late-written event takes its place in time), at most 50.
            setItems((prev) =>
              [m.item, ...prev.filter((p) => !(p.kind === m.item.kind && p.id === m.item.id))]
                .sort((a, b) => new Date(b.at).getTime() - new Date(a.at).getTime() || b.id - a.id)
                .slice(0, 50),
            );
          }
        },
      },
    ),
  );
  const state = !online
    ? "offline"
    : sub.status === "pending"
      ? "live"
      : sub.status === "error"
        ? "offline"
        : everConnected
          ? "reconnecting"
          : "connecting";
  const indicator = {
    live: ["bg-emerald-500", "Live"],
    connecting: ["bg-slate-400", "Connecting…"],
    reconnecting: ["bg-amber-500", "Reconnecting…"],
    offline: ["bg-red-500", "Offline"],
  }[state];
  const shown = items.filter((i) => kind === "all" || kindOf(i) === kind);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const newest = items[0] ? new Date(items[0].at).getTime() : null;
  const quietFor = now !== null && newest !== null && now - newest > QUIET_MS ? now - newest : null;

  return (
    <Card className="mb-6">
      <CardHeader
        title="Live"
        description="What users are doing right now"
        actions={
          <span className="inline-flex items-center gap-2 text-xs text-slate-600" role="status" data-testid="live-status">
            <span className={`h-2 w-2 rounded-full ${indicator[0]}`} aria-hidden />
            {indicator[1]}
          </span>
        }
      />
      <div className="grid gap-4 p-4 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <div className="grid grid-cols-3 gap-2 lg:grid-cols-1">
          {(
            [
              ["Active now", counters?.activeUsersNow, "users active in the last 5 minutes", "live-active-now"],
              ["Sessions today", counters?.sessionsToday, "since 00:00 UTC", "live-sessions-today"],
              ["Sign-ups today", counters?.newSignupsToday, "since 00:00 UTC", "live-signups-today"],
            ] as const
          ).map(([label, value, hint, id]) => (
            <div key={label} className="rounded-md border border-slate-200 px-3 py-2">
              <p className="text-xs text-slate-500">{label}</p>
              <p className="text-xl font-semibold tabular-nums text-slate-900" data-testid={id}>
                {value === undefined ? "—" : formatInt(value)}
              </p>
              <p className="hidden text-[11px] text-slate-500 sm:block">{hint}</p>
            </div>
          ))}
          {campaigns.map((c) => (
            <Link
              key={c.id}
              href={`/campaigns/${c.id}`}
              className="col-span-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900 lg:col-span-1"
            >
              Sending “{c.name}”: {formatInt(c.sent)} / {formatInt(c.total)}
              <span className="mt-1 block h-1.5 rounded bg-amber-100">
                <span className="block h-1.5 rounded bg-amber-500" style={{ width: `${c.total ? (c.sent / c.total) * 100 : 0}%` }} />
              </span>
            </Link>
          ))}
          {automations.map((a) => (
            <Link
              key={a.id}
              href={`/automations/${a.id}`}
              className="col-span-3 rounded-md border border-brand-100 bg-brand-50 px-3 py-2 text-xs text-brand-700 lg:col-span-1"
              data-testid="live-automation"
            >
              Automation “{a.name}”: {formatInt(a.sentLastHour)} sent in the last hour
            </Link>
          ))}
        </div>
        <div className="min-w-0">
          <div className="mb-2 flex flex-wrap items-center gap-2">
            <label htmlFor="live-kind" className="sr-only">
              Show
            </label>
            <select
              id="live-kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as TKind)}
              className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs"
            >
              {KINDS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
            <button
              type="button"
              onClick={() => setPaused((p) => !p)}
              aria-pressed={paused}
              className="rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-700 hover:bg-slate-50"
            >
              {paused ? "Resume feed" : "Pause feed"}
            </button>
            {canSimulate ? (
              <>
                <button
                  type="button"
                  aria-pressed={simulating}
                  className="rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-700 hover:bg-slate-50"
                  onClick={() => void toggleSimulation()}
                  title="The local demo has no main app: simulated users do something every few seconds"
                >
                  Simulated activity: {simulating ? "on" : "off"}
                </button>
                <button
                  type="button"
                  className="rounded-md border border-slate-300 px-2 py-1 text-xs text-slate-700 hover:bg-slate-50"
                  onClick={() => void fetch("/api/dev/activity", { method: "POST" })}
                >
                  Simulate a burst
                </button>
              </>
            ) : null}
          </div>
          {quietFor !== null && !paused ? (
            <p className="mb-2 rounded-md bg-slate-50 px-2 py-1.5 text-xs text-slate-600" data-testid="live-quiet">
              Nothing happened in the last{" "}
              {quietFor >= 2 * 3600_000 ? `${Math.floor(quietFor / 3600_000)} hours` : `${Math.floor(quietFor / 60_000)} minutes`}; the
              latest activity is below.
            </p>
          ) : null}
          {shown.length === 0 ? (
            <p className="py-6 text-center text-sm text-slate-500">{paused ? "Paused." : "Waiting for activity…"}</p>
          ) : (
            <ol className="max-h-72 divide-y divide-slate-100 overflow-auto text-sm" aria-label="Live activity" data-testid="live-feed">
              {shown.map((i) => (
                <li key={`${i.kind}:${i.id}`} className="flex items-center justify-between gap-3 py-1.5">
                  <span className="min-w-0 truncate">
                    <Link href={`/users/${i.userId}`} className="font-medium text-slate-800 hover:text-brand-700">
                      {i.userName ?? i.userEmail ?? "A user"}
                    </Link>{" "}
                    <span className="text-slate-500">{i.kind === "session" ? "started a session" : i.name}</span>
                  </span>
                  <time className="shrink-0 text-xs tabular-nums text-slate-500" dateTime={new Date(i.at).toISOString()}>
                    {now !== null && now - new Date(i.at).getTime() > 20 * 3600_000 ? `${day(new Date(i.at))}, ` : ""}
                    {time(new Date(i.at))}
                  </time>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </Card>
  );
}
