import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { localOutboxVisible } from "@/lib/env";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { systemActor } from "@/server/services/context";
import { readOutbox } from "@/server/services/messaging/outbox";
import { formatDateTime } from "@/shared/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dev outbox" };

/**
 * The embedded local default only: every email the CRM "sent". Open without
 * sign-in on purpose (sign-in links land here); with a real database or an
 * email provider it does not exist (404).
 */
export default async function OutboxPage() {
  if (!localOutboxVisible()) notFound();
  const { items: emails } = await readOutbox({ ctx: serviceContext(await getDb(), systemActor("dev-outbox")), input: undefined });
  return (
    <main className="mx-auto max-w-4xl px-4 py-8">
      <PageHeader
        title="Dev outbox"
        description="Local mode: no email provider is configured, so emails are kept here instead of being sent."
        actions={
          <Link href="/" className="text-sm text-brand-700 hover:underline">
            Back to the CRM
          </Link>
        }
      />
      <Card>
        {emails.length === 0 ? (
          <EmptyState title="The outbox is empty">Emails appear here as the CRM sends them (sign-in links, messages).</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {emails.map((m) => (
              <li key={m.id}>
                <Link
                  href={`/dev/outbox/${m.id}`}
                  className="flex flex-col gap-0.5 px-4 py-3 hover:bg-slate-50 sm:flex-row sm:items-center sm:justify-between"
                >
                  <span className="text-sm font-medium text-slate-900">{m.subject}</span>
                  <span className="text-xs text-slate-500">
                    to {m.to.join(", ")} · {formatDateTime(m.createdAt)}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </main>
  );
}
