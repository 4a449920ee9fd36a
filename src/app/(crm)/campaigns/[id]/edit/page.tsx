import { notFound } from "next/navigation";
import { CampaignEditor } from "@/components/campaigns/campaign-editor";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Edit campaign" };

export default async function EditCampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, c] = await Promise.all([caller.admins.me(), orNotFound(caller.messaging.campaigns.get({ id }))]);
  if (!c) notFound();
  if (me.role === "viewer") return <Forbidden what="Viewers can follow campaigns but not edit them." />;
  if (c.status !== "draft")
    return <Forbidden what={`“${c.name}” is ${c.status}: only drafts can be edited (a scheduled campaign goes back to draft first).`} />;
  const [segments, templates] = await Promise.all([caller.segments.list(), caller.messaging.templates.list()]);
  return (
    <>
      <PageHeader title={`Edit “${c.name}”`} description="You review the exact audience again before anything is sent." />
      <CampaignEditor
        initial={c}
        segments={segments.map((s) => ({ id: s.id, name: s.name }))}
        templates={templates.filter((t) => t.status === "active").map((t) => ({ id: t.id, name: t.name, subject: t.subject }))}
      />
    </>
  );
}
