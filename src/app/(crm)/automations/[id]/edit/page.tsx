import { notFound } from "next/navigation";
import { AutomationBuilder } from "@/components/automations/automation-builder";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";
import { automationOptions } from "../../options";

export const metadata = { title: "Edit automation" };

export default async function EditAutomationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const me = await caller.admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can look at automations but not edit them." />;
  const a = await orNotFound(caller.automations.get({ id }));
  if (!a) notFound();
  const live = a.status === "live" || a.status === "paused";
  return (
    <>
      <PageHeader
        title={`Edit “${a.name}”`}
        description={
          live ? "This automation is running: saving publishes a new version for new runs." : "Saved as a draft until you turn it on."
        }
      />
      <AutomationBuilder
        options={await automationOptions()}
        initial={{ id: a.id, revision: a.revision, name: a.name, description: a.description ?? "", definition: a.definition, live }}
      />
    </>
  );
}
