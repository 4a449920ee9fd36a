import Link from "next/link";
import { notFound } from "next/navigation";
import { buttonClass, Card, CardHeader, inputClass, PageHeader } from "@/components/ui/primitives";
import { localOutboxVisible } from "@/lib/env";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { systemActor } from "@/server/services/context";
import { NotFoundError } from "@/server/services/errors";
import { readOutboxEmail } from "@/server/services/messaging/outbox";
import { threadOfReplyAddress } from "@/server/services/messaging/reply-address";
import { formatDateTime } from "@/shared/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dev outbox" };

const REPLY_OUTCOME: Record<string, string> = {
  threaded: "The reply is in the user's conversation, unread.",
  quarantined: "The reply came from another address than the user's: it is in Messages → Quarantined replies, not the thread.",
  duplicate: "That reply was already recorded.",
};

export default async function OutboxEmailPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ reply?: string }>;
}) {
  if (!localOutboxVisible()) notFound();
  const { id } = await params;
  const { reply } = await searchParams;
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
      {email.replyTo && threadOfReplyAddress(email.replyTo) ? (
        <Card className="mt-6">
          <CardHeader
            title="Simulate a reply"
            description="Answer as the reader would: it takes the path of a real reply (Resend's email.received), quoted history stripped."
          />
          {reply && REPLY_OUTCOME[reply] ? (
            <p role="status" className="border-b border-slate-100 px-4 py-2 text-sm text-emerald-800" data-testid="reply-outcome">
              {REPLY_OUTCOME[reply]}
            </p>
          ) : null}
          <form method="post" action={`/api/dev/outbox/${email.id}/reply`} className="space-y-3 p-4">
            <div>
              <label htmlFor="reply-from" className="mb-1 block text-xs font-medium text-slate-600">
                From
              </label>
              <input id="reply-from" name="from" defaultValue={email.to[0]} className={inputClass} />
            </div>
            <div>
              <label htmlFor="reply-content" className="mb-1 block text-xs font-medium text-slate-600">
                Reply
              </label>
              <textarea
                id="reply-content"
                name="content"
                rows={5}
                required
                maxLength={10_000}
                className={inputClass}
                defaultValue={`Thanks, that helps!\n\nOn ${formatDateTime(email.createdAt)} VibrationFit wrote:\n> ${(email.text ?? "").split("\n")[0] ?? ""}`}
              />
            </div>
            <button type="submit" className={buttonClass.primary}>
              Send the reply
            </button>
          </form>
        </Card>
      ) : null}
    </main>
  );
}
