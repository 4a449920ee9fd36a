import { TemplateEditor } from "@/components/templates/template-editor";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";

export const metadata = { title: "New template" };

export default async function NewTemplatePage() {
  const me = await (await api()).admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can read templates but not write them." />;
  return (
    <>
      <PageHeader title="New template" description="Markdown with merge variables; the preview updates as you type." />
      <TemplateEditor canEdit />
    </>
  );
}
