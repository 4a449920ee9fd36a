import { AdminsManager } from "@/components/settings/admins-manager";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { auth } from "@/server/auth";
import { api } from "@/trpc/server";

export const metadata = { title: "Admins" };

export default async function AdminsPage() {
  const session = await auth();
  if (session?.user.role !== "owner") {
    return (
      <>
        <PageHeader title="Admins" />
        <Forbidden what="Only owners manage admins." />
      </>
    );
  }
  const admins = await (await api()).admins.list();
  return (
    <>
      <PageHeader title="Admins" description="Invite people by email. Only invited addresses can sign in." />
      <AdminsManager initialAdmins={admins} currentAdminId={session.user.id} />
    </>
  );
}
