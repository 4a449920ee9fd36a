import Link from "next/link";
import { MessagingRulesForm } from "@/components/settings/messaging-rules-form";
import { PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";

export const metadata = { title: "Frequency caps and quiet hours" };

export default async function MessagingRulesPage() {
  const caller = await api();
  const [me, rules] = await Promise.all([caller.admins.me(), caller.automations.rules()]);
  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/settings" className="text-slate-500 hover:text-slate-900">
          ← Settings
        </Link>
      </nav>
      <PageHeader
        title="Frequency caps and quiet hours"
        description="How much marketing a person receives. Automations hold (or skip) a message that would go over, campaigns leave those members out; one-on-one messages and hand-picked template sends are never held."
      />
      <MessagingRulesForm initial={rules} canEdit={me.role !== "viewer"} />
    </>
  );
}
