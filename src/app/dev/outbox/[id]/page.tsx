import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, CardHeader, PageHeader } from "@/components/ui/primitives";
import { localOutboxVisible } from "@/lib/env";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { systemActor } from "@/server/services/context";
import { NotFoundError } from "@/server/services/errors";
import { readOutboxEmail } from "@/server/services/messaging/outbox";
import { formatDateTime } from "@/shared/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dev outbox" };

export default async function OutboxEmailPage({ params }: { params: Promise<{ id: string }> }) {
  if (!localOutboxVisible()) notFound();
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  const email = await readOutboxEmail({ ctx: serviceContext(await getDb(), systemActor("dev-outbox")), input: { id } }).catch(
    (err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    },
  );
  if (!email) notFound();
  const headers = Object.entries(email.headers);
  return (
    <main className="mx-auto max-w-4xl px-4 py-8">
      <PageHeader
        title={email.subject}
        actions={
          <Link href="/dev/outbox" className="text-sm text-brand-700 hover:underline">
            ← All emails
          </Link>
        }
      />
      <Card className="mb-6">
        <dl className="grid gap-x-6 gap-y-2 px-4 py-4 text-sm sm:grid-cols-[8rem_1fr]">
          <dt className="text-slate-500">From</dt>
          <dd>{email.from}</dd>
          <dt className="text-slate-500">To</dt>
          <dd>{email.to.join(", ")}</dd>
          {email.replyTo ? (
            <>
              <dt className="text-slate-500">Reply-To</dt>
              <dd>{email.replyTo}</dd>
            </>
          ) : null}
          <dt className="text-slate-500">Sent</dt>
          <dd>{formatDateTime(email.createdAt)}</dd>
          {headers.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="break-all">{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card className="mb-6 overflow-hidden">
        <CardHeader title="HTML" />
        {/* Sandboxed: the email's HTML never runs script or reaches this page. */}
        <iframe title="Email HTML" sandbox="" srcDoc={email.html ?? "<p>(no HTML part)</p>"} className="h-[32rem] w-full bg-white" />
      </Card>
      <Card>
        <CardHeader title="Text" />
        <pre className="overflow-x-auto whitespace-pre-wrap px-4 py-4 text-xs text-slate-700">{email.text ?? "(no text part)"}</pre>
      </Card>
    </main>
  );
}
