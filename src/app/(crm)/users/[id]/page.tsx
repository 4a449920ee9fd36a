import Link from "next/link";
import { notFound } from "next/navigation";
import { UserAutomations } from "@/components/automations/user-automations";
import { Badge, Card, CardHeader, EmptyState } from "@/components/ui/primitives";
import { UserCrmPanel } from "@/components/users/user-crm-panel";
import { UserTimeline } from "@/components/users/user-timeline";
import { PlanBadge, PriorityBadge } from "@/components/users/users-table";
import type { TMoney } from "@/server/services/users/get-user-profile";
import { formatAgo, formatDate, formatDateTime, formatInt, formatUsd } from "@/shared/format";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "User" };

const OUTCOME_TONE: Record<string, "slate" | "green" | "amber" | "red" | "brand"> = {
  delivered: "green",
  read: "green",
  opened: "brand",
  clicked: "brand",
  failed: "red",
  bounced: "red",
  complained: "red",
};

function duration(seconds: number) {
  if (seconds <= 0) return "—";
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min ${seconds % 60} s`;
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-xs">
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p className="mt-1 text-lg font-semibold tabular-nums text-slate-900">{value}</p>
      {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
    </div>
  );
}

function MoneyColumn({ title, m }: { title: string; m: TMoney }) {
  return (
    <div>
      <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">{title}</h3>
      <dl className="mt-2 space-y-1 text-sm">
        <div className="flex justify-between gap-4">
          <dt className="text-slate-600">Revenue</dt>
          <dd className="tabular-nums text-slate-900">{formatUsd(m.revenue)}</dd>
        </div>
        <div className="flex justify-between gap-4">
          <dt className="text-slate-600">AI cost</dt>
          <dd className="tabular-nums text-slate-900">{formatUsd(m.aiCost)}</dd>
        </div>
        <div className="flex justify-between gap-4 border-t border-slate-100 pt-1">
          <dt className="font-medium text-slate-700">Gross margin</dt>
          <dd className={`font-medium tabular-nums ${m.margin < 0 ? "text-red-700" : "text-slate-900"}`}>
            {formatUsd(m.margin)}
            {m.marginRate !== null ? <span className="ml-1 text-xs text-slate-500">({Math.round(m.marginRate * 100)}%)</span> : null}
          </dd>
        </div>
      </dl>
    </div>
  );
}

export default async function UserProfilePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, p, sent, push, devices] = await Promise.all([
    caller.admins.me(),
    orNotFound(caller.users.get({ userId: id })),
    orNotFound(caller.users.emailHistory({ userId: id })),
    caller.messaging.push.status(),
    caller.messaging.push.devices({ userId: id }),
  ]);
  if (!p) notFound();
  const now = Date.now();
  const features = Object.entries(p.featureUsageFrequency);
  const maxFeature = Math.max(1, ...features.map(([, n]) => n));
  const ue = p.unitEconomics;

  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/users" className="text-slate-500 hover:text-slate-900">
          ← Users
        </Link>
      </nav>
      <header className="mb-6 flex flex-col gap-2 sm:flex-row sm:items-end sm:justify-between">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight text-slate-900">
            <span className="truncate">{p.name ?? p.email}</span>
            <PriorityBadge priority={p.priority} />
          </h1>
          <p className="mt-1 truncate text-sm text-slate-600">{p.email}</p>
          <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-500">
            <PlanBadge plan={p.plan} status={p.subscriptionStatus} />
            <span>Joined {formatDate(p.joinedAt)}</span>
            <span>Last active {formatAgo(p.lastActiveAt, now)}</span>
            <span className="font-mono text-xs text-slate-600">{p.id}</span>
          </p>
        </div>
      </header>

      {ue.lifetime.costsMoreThanBrings ? (
        <p
          role="status"
          className={`mb-4 rounded-md border px-3 py-2 text-sm ${
            // A free user's few cents of AI are expected; a paying user under water, or a free one past $1, is not.
            ue.paying || ue.lifetime.aiCost >= 1 ? "border-red-200 bg-red-50 text-red-800" : "border-amber-200 bg-amber-50 text-amber-900"
          }`}
        >
          {ue.paying ? "This paying user" : "This free user"} has cost {formatUsd(ue.lifetime.aiCost)} in AI usage against{" "}
          {formatUsd(ue.lifetime.revenue)} of revenue: {formatUsd(-ue.lifetime.margin)} more than they brought in.
        </p>
      ) : null}

      <div className="grid min-w-0 gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3">
            <Stat label="Sessions" value={formatInt(p.totalSessions)} hint={`avg ${duration(p.averageSessionDuration)}`} />
            <Stat label="Assessments completed" value={formatInt(p.assessmentCompletions)} />
            <Stat label="Visions generated" value={formatInt(p.visionGenerations)} />
            <Stat
              label="Intensive"
              value={`${p.intensiveProgress}%`}
              hint={
                p.intensive.completedAt
                  ? `completed ${formatDate(p.intensive.completedAt)}`
                  : p.intensive.startedAt
                    ? `${p.intensive.stepsCompleted} of ${p.intensive.totalSteps} steps`
                    : "not started"
              }
            />
            <Stat label="Total spent" value={formatUsd(p.totalSpent)} hint={`${p.paymentHistory.length} payments`} />
            <Stat
              label="AI tokens"
              value={formatInt(p.tokenUsage.totalTokens)}
              hint={`${formatUsd(p.tokenUsage.costUsd)} · ${formatInt(p.tokenUsage.calls)} calls`}
            />
          </div>

          <Card>
            <CardHeader
              title="Unit economics"
              description="Revenue is succeeded payments; AI cost is the model cost of their token usage."
            />
            <div className="grid gap-6 p-4 sm:grid-cols-2">
              <MoneyColumn title="Lifetime" m={ue.lifetime} />
              <MoneyColumn title="Last 30 days" m={ue.last30Days} />
            </div>
          </Card>

          <div className="grid gap-6 lg:grid-cols-2">
            <Card>
              <CardHeader title="Feature usage" description="Product events, all time" />
              {features.length === 0 ? (
                <EmptyState title="No product events yet" />
              ) : (
                <ul className="space-y-2 p-4">
                  {features.map(([name, n]) => (
                    <li key={name} className="text-sm">
                      <div className="flex justify-between gap-2">
                        <span className="truncate text-slate-700">{name}</span>
                        <span className="tabular-nums text-slate-900">{formatInt(n)}</span>
                      </div>
                      <div className="mt-1 h-1.5 rounded bg-slate-100">
                        <div className="h-1.5 rounded bg-brand-500" style={{ width: `${(n / maxFeature) * 100}%` }} />
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card>
              <CardHeader
                title="AI usage"
                description={`${formatInt(p.tokenUsage.inputTokens)} in / ${formatInt(p.tokenUsage.outputTokens)} out · last 30 days ${formatInt(p.tokenUsage.last30Days.tokens)} tokens, ${formatUsd(p.tokenUsage.last30Days.costUsd)}`}
              />
              {p.tokenUsage.calls === 0 ? (
                <EmptyState title="No AI usage yet" />
              ) : (
                <div className="grid gap-4 p-4 sm:grid-cols-2 lg:grid-cols-1 2xl:grid-cols-2">
                  {(
                    [
                      ["By model", p.tokenUsage.byModel],
                      ["By feature", p.tokenUsage.byFeature],
                    ] as const
                  ).map(([title, rows]) => (
                    <table key={title} className="w-full text-sm">
                      <caption className="mb-1 text-left text-xs font-medium uppercase tracking-wide text-slate-500">{title}</caption>
                      <tbody className="divide-y divide-slate-100">
                        {rows.map((r) => (
                          <tr key={r.key}>
                            <td className="py-1 pr-2 text-slate-700">{r.key}</td>
                            <td className="py-1 pr-2 text-right tabular-nums text-slate-500">{formatInt(r.tokens)}</td>
                            <td className="py-1 text-right tabular-nums text-slate-900">{formatUsd(r.costUsd)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  ))}
                </div>
              )}
            </Card>
          </div>

          <Card>
            <CardHeader
              title="Payments and subscriptions"
              description={`Subscription status: ${p.subscriptionStatus === "none" ? "never subscribed" : p.subscriptionStatus}`}
            />
            {p.subscriptions.length ? (
              <ul className="divide-y divide-slate-100 border-b border-slate-100 text-sm">
                {p.subscriptions.map((s) => (
                  <li key={s.id} className="flex flex-wrap justify-between gap-2 px-4 py-2">
                    <span>
                      <span className="font-medium text-slate-800">{s.plan}</span>{" "}
                      <span className="text-slate-500">
                        {formatUsd(s.price)}/{s.interval}
                      </span>{" "}
                      <Badge tone={s.status === "active" ? "green" : s.status === "canceled" ? "slate" : "amber"}>
                        {s.status.replace("_", " ")}
                      </Badge>
                    </span>
                    <span className="text-slate-500">
                      {formatDate(s.startedAt)} {s.canceledAt ? `→ ${formatDate(s.canceledAt)}` : "→ now"}
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
            {p.paymentHistory.length === 0 ? (
              <EmptyState title="No payments" />
            ) : (
              <div className="max-h-80 overflow-auto">
                <table className="min-w-full text-sm">
                  <thead className="sticky top-0 bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <tr>
                      <th className="px-4 py-2">Date</th>
                      <th className="px-4 py-2">Plan</th>
                      <th className="px-4 py-2">Status</th>
                      <th className="px-4 py-2 text-right">Amount</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {p.paymentHistory.map((pay) => (
                      <tr key={pay.id}>
                        <td className="whitespace-nowrap px-4 py-1.5 text-slate-600">{formatDate(pay.paidAt)}</td>
                        <td className="px-4 py-1.5 text-slate-700">{pay.plan ?? "—"}</td>
                        <td className="px-4 py-1.5">
                          <Badge tone={pay.status === "succeeded" ? "green" : pay.status === "refunded" ? "amber" : "red"}>
                            {pay.status}
                          </Badge>
                        </td>
                        <td
                          className={`px-4 py-1.5 text-right tabular-nums ${pay.status === "succeeded" ? "text-slate-900" : "text-slate-500 line-through"}`}
                        >
                          {formatUsd(pay.amount)} {pay.currency !== "USD" ? pay.currency : ""}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>

          <Card>
            <CardHeader
              title="Messages"
              description="The conversation with this user, newest first"
              actions={
                <Link href={`/messages/${p.id}`} className="text-sm font-medium text-brand-700 hover:underline">
                  {p.messages.length ? "Open conversation" : "Write a message"}
                </Link>
              }
            />
            {p.messages.length === 0 ? (
              <EmptyState title="No messages yet">Messages you send and the user's replies will be listed here.</EmptyState>
            ) : (
              <ul className="divide-y divide-slate-100">
                {p.messages.map((m) => (
                  <li key={m.id} className="px-4 py-2 text-sm">
                    <p className="flex justify-between gap-2">
                      <span className="font-medium text-slate-800">{m.subject ?? "(no subject)"}</span>
                      <span className="text-xs text-slate-500">{formatDateTime(m.createdAt)}</span>
                    </p>
                    <p className="line-clamp-2 text-slate-600">{m.content}</p>
                    <p className="text-xs text-slate-500">
                      {m.direction === "inbound" ? "reply from the user · " : m.fromAdminEmail ? `from ${m.fromAdminEmail} · ` : ""}
                      {m.channel === "email" ? "email" : "in-app"} · {m.status}
                      {m.readAt ? ` · read ${formatAgo(m.readAt, now)}` : ""}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card>
            <CardHeader title="Campaigns and emails" description="Everything sent to this user, newest first, with what they did" />
            {!sent?.length ? (
              <EmptyState title="Nothing sent yet">Campaigns this user receives and emails sent to them will be listed here.</EmptyState>
            ) : (
              <ul className="divide-y divide-slate-100" data-testid="email-history">
                {sent.map((e) => (
                  <li
                    key={`${e.source}:${e.id}`}
                    className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 px-4 py-2 text-sm"
                  >
                    <span className="min-w-0">
                      {e.source === "campaign" ? (
                        <Link href={`/campaigns/${e.refId}`} className="font-medium text-slate-800 hover:text-brand-700">
                          {e.title}
                        </Link>
                      ) : (
                        <span className="font-medium text-slate-800">{e.title}</span>
                      )}
                      <span className="block text-xs text-slate-500">
                        {e.source === "campaign"
                          ? e.channel === "in_app"
                            ? "in-app campaign"
                            : e.channel === "push"
                              ? "push campaign"
                              : "email campaign"
                          : "email"}
                        {e.at ? ` · ${formatDateTime(e.at)}` : " · not sent yet"}
                        {e.openedAt
                          ? ` · opened ${formatAgo(e.openedAt, now)}${e.openCount > 1 ? ` (${formatInt(e.openCount)}×)` : ""}`
                          : ""}
                        {e.clickedAt ? ` · clicked ${formatAgo(e.clickedAt, now)}` : ""}
                      </span>
                    </span>
                    <Badge tone={OUTCOME_TONE[e.status] ?? "slate"}>{e.status}</Badge>
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <UserTimeline userId={p.id} />
        </div>

        {/* On a phone the admin's own fields come first; on a wide screen they sit beside the data. */}
        <div className="order-first min-w-0 space-y-6 xl:order-none">
          <Card>
            <CardHeader title="Segments" description="As of each segment's last recompute" />
            {p.segments.length === 0 ? (
              <p className="px-4 py-4 text-sm text-slate-500">Not in any segment</p>
            ) : (
              <ul className="divide-y divide-slate-100" aria-label="Segments">
                {p.segments.map((s) => (
                  <li key={s.id} className="flex items-center justify-between gap-2 px-4 py-2 text-sm">
                    <Link href={`/segments/${s.id}`} className="truncate text-slate-800 hover:text-brand-700">
                      {s.name}
                    </Link>
                    <span className="shrink-0 text-xs text-slate-500">since {formatDate(s.enteredAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card>
            <CardHeader title="Push notifications" description="Browsers where this user turned notifications on" />
            {!push.configured ? (
              <p className="px-4 py-4 text-sm text-slate-500">Push is not configured on the CRM.</p>
            ) : devices.length === 0 ? (
              <p className="px-4 py-4 text-sm text-slate-500">No device: the main app has not registered a subscription.</p>
            ) : (
              <ul className="divide-y divide-slate-100" aria-label="Push devices" data-testid="push-devices">
                {devices.map((d) => (
                  <li key={d.id} className="px-4 py-2 text-sm">
                    <span className="block truncate text-slate-800">{d.pushService}</span>
                    <span className="block text-xs text-slate-500">
                      since {formatDate(d.createdAt)}
                      {d.lastSuccessAt ? ` · last delivered ${formatAgo(d.lastSuccessAt, now)}` : " · nothing delivered yet"}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <UserAutomations userId={p.id} canEdit={me.role !== "viewer"} />
          <UserCrmPanel
            key={p.metadataVersion}
            userId={p.id}
            canEdit={me.role !== "viewer"}
            initial={{
              tags: p.tags,
              notes: p.notes,
              priority: p.priority,
              metadataVersion: p.metadataVersion,
              metadataUpdatedAt: p.metadataUpdatedAt,
              metadataUpdatedBy: p.metadataUpdatedBy,
              edits: p.edits,
            }}
          />
        </div>
      </div>
    </>
  );
}
