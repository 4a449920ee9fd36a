import Link from "next/link";
import { CampaignStatusBadge } from "@/components/campaigns/campaign-status";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { formatDateTime, formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Campaigns" };

export default async function CampaignsPage() {
  const caller = await api();
  const [me, campaigns] = await Promise.all([caller.admins.me(), caller.messaging.campaigns.list()]);
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Email and in-app messages to a segment, sent in batches with exactly one message per person."
        actions={
          me.role !== "viewer" ? (
            <Link href="/campaigns/new" className={buttonClass.primary}>
              New campaign
            </Link>
          ) : null
        }
      />
      <Card>
        {campaigns.length === 0 ? (
          <EmptyState title="No campaigns yet">
            {me.role !== "viewer" ? (
              <Link href="/campaigns/new" className="text-brand-700 underline">
                Create the first one
              </Link>
            ) : (
              "An admin can create the first one."
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid="campaigns-list">
            {campaigns.map((c) => (
              <li key={c.id}>
                <Link href={`/campaigns/${c.id}`} className="flex items-center justify-between gap-4 px-4 py-3 text-sm hover:bg-slate-50">
                  <span className="min-w-0">
                    <span className="flex items-center gap-2 font-medium text-slate-900">
                      <span className="truncate">{c.name}</span> <CampaignStatusBadge status={c.status} />
                    </span>
                    <span className="block truncate text-slate-500">
                      {c.type === "email" ? "Email" : "In-app"} · {c.segmentName ?? "no segment"}
                      {c.status === "scheduled" && c.scheduledAt ? ` · ${formatDateTime(c.scheduledAt)}` : ""}
                    </span>
                  </span>
                  <span className="shrink-0 text-right text-xs text-slate-500">
                    {c.totalRecipients ? `${formatInt(c.sentCount)} / ${formatInt(c.totalRecipients)} sent` : "not sent"}
                    {c.failedCount ? <span className="block text-red-700">{formatInt(c.failedCount)} failed</span> : null}
                    {c.openRate !== null ? (
                      <span className="block">
                        {Math.round(c.openRate * 100)}% opened · {Math.round((c.clickRate ?? 0) * 100)}% clicked
                      </span>
                    ) : null}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
