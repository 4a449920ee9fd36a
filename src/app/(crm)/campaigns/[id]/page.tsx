import Link from "next/link";
import { notFound } from "next/navigation";
import { CampaignControls } from "@/components/campaigns/campaign-controls";
import { CampaignRecipients } from "@/components/campaigns/campaign-recipients";
import { CampaignReport } from "@/components/campaigns/campaign-report";
import { Card, CardHeader } from "@/components/ui/primitives";
import { formatDateTime } from "@/shared/format";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Campaign" };

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, c, segments, templates] = await Promise.all([
    caller.admins.me(),
    orNotFound(caller.messaging.campaigns.get({ id })),
    caller.segments.list(),
    caller.messaging.templates.list(),
  ]);
  if (!c) notFound();
  const segment = segments.find((s) => s.id === c.segmentId);
  const template = templates.find((t) => t.id === c.templateId);
  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/campaigns" className="text-slate-500 hover:text-slate-900">
          ← Campaigns
        </Link>
      </nav>
      <h1 className="mb-6 text-xl font-semibold tracking-tight text-slate-900">{c.name}</h1>
      <div className="grid min-w-0 gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <CampaignControls initial={c} canEdit={me.role !== "viewer"} timezone={me.timezone} />
          {c.totalRecipients > 0 ? <CampaignReport campaignId={c.id} live={c.status === "sending"} channel={c.type} /> : null}
          {c.totalRecipients > 0 ? <CampaignRecipients campaignId={c.id} channel={c.type} /> : null}
        </div>
        <Card>
          <CardHeader title="Details" />
          <dl className="space-y-2 px-4 py-3 text-sm">
            <div>
              <dt className="text-xs text-slate-500">Channel</dt>
              <dd>{c.type === "email" ? "Email" : c.type === "in_app" ? "In-app message" : "Push"}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Audience</dt>
              <dd>
                {segment ? (
                  <Link href={`/segments/${segment.id}`} className="text-brand-700 hover:underline">
                    {segment.name}
                  </Link>
                ) : c.totalRecipients > 0 ? (
                  `${c.totalRecipients} chosen ${c.totalRecipients === 1 ? "user" : "users"} (a template send)`
                ) : (
                  "No segment"
                )}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Content</dt>
              <dd>
                {template ? (
                  <>
                    Template{" "}
                    <Link href={`/templates/${template.id}`} className="text-brand-700 underline underline-offset-2">
                      {template.name}
                    </Link>
                    {c.templateVersion ? ` (version ${c.templateVersion})` : " (current version at send time)"}
                  </>
                ) : (
                  <>
                    {c.subject ? <span className="font-medium">{c.subject}</span> : null}
                    <span className="mt-1 block whitespace-pre-wrap text-slate-600">{c.content.slice(0, 600)}</span>
                  </>
                )}
                {c.type === "push" && c.pushUrl ? (
                  <span className="mt-1 block truncate text-xs text-slate-500" title={c.pushUrl}>
                    A click opens {c.pushUrl}
                  </span>
                ) : null}
              </dd>
            </div>
            {c.startedAt ? (
              <div>
                <dt className="text-xs text-slate-500">Started</dt>
                <dd>{formatDateTime(c.startedAt)}</dd>
              </div>
            ) : null}
            {c.finishedAt ? (
              <div>
                <dt className="text-xs text-slate-500">Finished</dt>
                <dd>{formatDateTime(c.finishedAt)}</dd>
              </div>
            ) : null}
          </dl>
        </Card>
      </div>
    </>
  );
}
