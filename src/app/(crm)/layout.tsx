import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { jobsMode } from "@/lib/env";
import { auth } from "@/server/auth";

export const dynamic = "force-dynamic";

export default async function CrmLayout({ children }: { children: ReactNode }) {
  const session = await auth();
  if (!session?.user) redirect("/sign-in");
  const notice =
    jobsMode() === "in-process" ? (
      <p className="border-b border-amber-200 bg-amber-50 px-4 py-1.5 text-center text-xs text-amber-900">
        Background jobs run inside this server (no Inngest configured): fine locally, not durable.
      </p>
    ) : null;
  return (
    <AppShell admin={session.user} notice={notice}>
      {children}
    </AppShell>
  );
}
