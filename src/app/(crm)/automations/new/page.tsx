import Link from "next/link";
import { AutomationBuilder } from "@/components/automations/automation-builder";
import { Card, Forbidden, PageHeader } from "@/components/ui/primitives";
import { AUTOMATION_STARTERS, BLANK_AUTOMATION } from "@/shared/automation-starters";
import { api } from "@/trpc/server";
import { automationOptions } from "../options";

export const metadata = { title: "New automation" };

export default async function NewAutomationPage({ searchParams }: { searchParams: Promise<{ start?: string }> }) {
  const { start } = await searchParams;
  const me = await (await api()).admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can look at automations but not create them." />;
  const starter = start === "blank" ? null : AUTOMATION_STARTERS.find((s) => s.key === start);
  if (start && (starter || start === "blank")) {
    return (
      <>
        <nav className="mb-3 text-sm">
          <Link href="/automations/new" className="text-slate-500 hover:text-slate-900">
            ← Starting points
          </Link>
        </nav>
        <PageHeader
          title={starter ? `New: ${starter.name}` : "New automation"}
          description="Saved as a draft. Try it on one user in test mode, then turn it on."
        />
        <AutomationBuilder
          options={await automationOptions()}
          initial={{
            name: starter?.name ?? "",
            description: starter?.description ?? "",
            definition: starter?.definition ?? BLANK_AUTOMATION,
          }}
        />
      </>
    );
  }
  return (
    <>
      <PageHeader title="New automation" description="Start from a ready-made journey and adapt it, or from a blank flow." />
      <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" data-testid="automation-starters">
        {AUTOMATION_STARTERS.map((s) => (
          <li key={s.key}>
            <Link
              href={`/automations/new?start=${s.key}`}
              className="block h-full rounded-lg focus-visible:outline-2 focus-visible:outline-brand-600"
            >
              <Card className="h-full p-4 hover:border-brand-300">
                <p className="font-medium text-slate-900">{s.name}</p>
                <p className="mt-1 text-sm text-slate-600">{s.description}</p>
              </Card>
            </Link>
          </li>
        ))}
        <li>
          <Link
            href="/automations/new?start=blank"
            className="block h-full rounded-lg focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            <Card className="h-full border-dashed p-4 hover:border-brand-300">
              <p className="font-medium text-slate-900">Blank</p>
              <p className="mt-1 text-sm text-slate-600">One step, enrolled by hand: build from there.</p>
            </Card>
          </Link>
        </li>
      </ul>
    </>
  );
}
