import Link from "next/link";
import { notFound } from "next/navigation";
import { ConversationList } from "@/components/messages/conversation-list";
import { Thread } from "@/components/messages/thread";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Conversation" };

export default async function ConversationPage({
  params,
  searchParams,
}: {
  params: Promise<{ userId: string }>;
  searchParams: Promise<{ q?: string; unread?: string }>;
}) {
  const [{ userId }, { q, unread }] = await Promise.all([params, searchParams]);
  const search = (q ?? "").trim().slice(0, 200);
  const unreadOnly = unread === "1";
  const caller = await api();
  const [me, user, items, thread] = await Promise.all([
    caller.admins.me(),
    orNotFound(caller.users.get({ userId })),
    caller.messaging.directMessages.conversations({ search: search || undefined, unreadOnly }),
    caller.messaging.directMessages.conversation({ userId }).catch(() => []),
  ]);
  if (!user) notFound();
  return (
    <>
      <nav className="mb-3 text-sm lg:hidden">
        <Link href="/messages" className="text-slate-500 hover:text-slate-900">
          ← Conversations
        </Link>
      </nav>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-2">
        <div className="min-w-0">
          <h1 className="truncate text-xl font-semibold tracking-tight text-slate-900">{user.name ?? user.email}</h1>
          <p className="text-sm text-slate-500">
            {user.email} ·{" "}
            <Link href={`/users/${user.id}`} className="text-brand-700 underline underline-offset-2">
              Profile
            </Link>
          </p>
        </div>
      </div>
      <div className="grid min-w-0 gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]">
        <div className="hidden lg:block">
          <ConversationList items={items} search={search} unreadOnly={unreadOnly} selected={userId} />
        </div>
        <Thread userId={user.id} initial={thread} canSend={me.role !== "viewer"} userEmail={user.email} />
      </div>
    </>
  );
}
