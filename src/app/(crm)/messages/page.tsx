import { ConversationList } from "@/components/messages/conversation-list";
import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";

export const metadata = { title: "Messages" };

export default async function MessagesPage({ searchParams }: { searchParams: Promise<{ q?: string; unread?: string }> }) {
  const { q, unread } = await searchParams;
  const search = (q ?? "").trim().slice(0, 200);
  const unreadOnly = unread === "1";
  const items = await (await api()).messaging.directMessages.conversations({ search: search || undefined, unreadOnly });
  return (
    <>
      <PageHeader title="Messages" description="One-on-one conversations with users, in the app and by email." />
      <div className="grid min-w-0 gap-4 lg:grid-cols-[20rem_minmax(0,1fr)]">
        <ConversationList items={items} search={search} unreadOnly={unreadOnly} />
        <Card className="hidden lg:block">
          <EmptyState title="Choose a conversation">Or open a user's profile and write to them.</EmptyState>
        </Card>
      </div>
    </>
  );
}
