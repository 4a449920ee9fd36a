import Link from "next/link";
import { ConversationList } from "@/components/messages/conversation-list";
import { Card, CardHeader, EmptyState, PageHeader } from "@/components/ui/primitives";
import { formatDateTime } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Messages" };

export default async function MessagesPage({ searchParams }: { searchParams: Promise<{ q?: string; unread?: string }> }) {
  const { q, unread } = await searchParams;
  const search = (q ?? "").trim().slice(0, 200);
  const unreadOnly = unread === "1";
  const caller = await api();
  const [items, quarantined] = await Promise.all([
    caller.messaging.directMessages.conversations({ search: search || undefined, unreadOnly }),
    caller.messaging.directMessages.quarantine(),
  ]);
  return (
    <>
      <PageHeader title="Messages" description="One-on-one conversations with users, in the app and by email." />
      <div className="grid min-w-0 gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]">
        <ConversationList items={items} search={search} unreadOnly={unreadOnly} />
        <Card className="hidden lg:block">
          <EmptyState title="Choose a conversation">Or open a user's profile and write to them.</EmptyState>
        </Card>
      </div>
      {quarantined.length ? (
        <Card className="mt-6">
          <CardHeader
            title={`Quarantined replies (${quarantined.length})`}
            description="Email replies kept out of conversations: sent from another address than the user's, or to an address that names no conversation"
          />
          <ul className="divide-y divide-slate-100" data-testid="quarantine">
            {quarantined.map((q) => (
              <li key={q.id} className="px-4 py-2 text-sm">
                <p className="flex flex-wrap justify-between gap-2">
                  <span className="font-medium text-slate-800">{q.fromAddress}</span>
                  <span className="text-xs text-slate-500">{formatDateTime(q.receivedAt)}</span>
                </p>
                <p className="line-clamp-2 text-slate-600">{q.content}</p>
                <p className="text-xs text-slate-500">
                  {q.reason === "sender_mismatch" ? "not the user's address" : "names no conversation"}
                  {q.userId ? (
                    <>
                      {" · for "}
                      <Link href={`/messages/${q.userId}`} className="text-brand-700 hover:underline">
                        this conversation
                      </Link>
                    </>
                  ) : null}
                </p>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}
