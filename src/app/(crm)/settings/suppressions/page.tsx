import { SuppressionsManager } from "@/components/settings/suppressions-manager";
import { PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";

export const metadata = { title: "Suppressions" };

export default async function SuppressionsPage() {
  const caller = await api();
  const [me, rows] = await Promise.all([caller.admins.me(), caller.messaging.suppressions.list({})]);
  return (
    <>
      <PageHeader
        title="Suppressions"
        description="No campaign is sent to these addresses. One-on-one messages and account emails still are."
      />
      <SuppressionsManager initial={rows} canEdit={me.role !== "viewer"} />
    </>
  );
}
