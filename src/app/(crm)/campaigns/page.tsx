import { CampaignStatusBadge } from "@/components/campaigns/campaign-status";
import { ListPage } from "@/components/ui/list-page";
import { formatDateTime, formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Campaigns" };

/** What the list says: its title, what it is for, and how to start one. */
const COPY = {
  title: "Campaigns",
  description: "Email and in-app messages to a segment, sent in batches with exactly one message per person.",
  create: { href: "/campaigns/new", label: "New campaign", first: "Create the first one" },
  empty: { title: "No campaigns yet", viewerNote: "An admin can create the first one." },
  testId: "campaigns-list",
};

export default async function CampaignsPage() {
  const caller = await api();
  const [me, campaigns] = await Promise.all([caller.admins.me(), caller.messaging.campaigns.list()]);
  return (
    <ListPage
      {...COPY}
      canCreate={me.role !== "viewer"}
      items={campaigns}
      href={(c) => `/campaigns/${c.id}`}
      row={(c) => ({
        name: c.name,
        badge: <CampaignStatusBadge status={c.status} />,
        detail: `${c.type === "email" ? "Email" : "In-app"} · ${c.segmentName ?? "no segment"}${
          c.status === "scheduled" && c.scheduledAt ? ` · ${formatDateTime(c.scheduledAt)}` : ""
        }`,
        aside: (
          <>
            {c.totalRecipients ? `${formatInt(c.sentCount)} / ${formatInt(c.totalRecipients)} sent` : "not sent"}
            {c.failedCount ? <span className="block text-red-700">{formatInt(c.failedCount)} failed</span> : null}
            {c.openRate !== null ? (
              <span className="block">
                {Math.round(c.openRate * 100)}% opened · {Math.round((c.clickRate ?? 0) * 100)}% clicked
              </span>
            ) : null}
          </>
        ),
      })}
    />
  );
}
