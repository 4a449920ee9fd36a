import { CampaignEditor } from "@/components/campaigns/campaign-editor";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";

export const metadata = { title: "New campaign" };

export default async function NewCampaignPage() {
  const caller = await api();
  const me = await caller.admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can follow campaigns but not create them." />;
  const [segments, templates] = await Promise.all([caller.segments.list(), caller.messaging.templates.list()]);
  return (
    <>
      <PageHeader title="New campaign" description="Save it as a draft; you review the exact audience before anything is sent." />
      <CampaignEditor
        segments={segments.map((s) => ({ id: s.id, name: s.name }))}
        templates={templates.filter((t) => t.status === "active").map((t) => ({ id: t.id, name: t.name, subject: t.subject }))}
      />
    </>
  );
}
