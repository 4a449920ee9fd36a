import { ApiKeysManager } from "@/components/settings/api-keys-manager";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { auth } from "@/server/auth";
import { api } from "@/trpc/server";

export const metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const session = await auth();
  if (session?.user.role !== "owner") {
    return (
      <>
        <PageHeader title="API keys" />
        <Forbidden what="Only owners create and revoke API keys." />
      </>
    );
  }
  const keys = await (await api()).messaging.apiKeys.list();
  return (
    <>
      <PageHeader
        title="API keys"
        description="For the main app's calls to /api/v1 (see docs/api.md). A key is shown once, when it is created."
      />
      <ApiKeysManager initialKeys={keys} />
    </>
  );
}
