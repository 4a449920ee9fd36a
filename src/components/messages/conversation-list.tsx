import Link from "next/link";
import { formatAgo } from "@/shared/format";

export type TConversationItem = {
  userId: string;
  email: string | null;
  name: string | null;
  lastAt: Date;
  lastContent: string;
  lastDirection: "inbound" | "outbound";
  unread: number;
};

/** Conversations, latest first, with a search box and an unread filter that live in the URL. */
export function ConversationList({
  items,
  search,
  unreadOnly,
  selected,
}: {
  items: TConversationItem[];
  search: string;
  unreadOnly: boolean;
  selected?: string;
}) {
  const now = Date.now();
  const qs = (extra: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    if (search) p.set("q", search);
    if (unreadOnly) p.set("unread", "1");
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) p.delete(k);
      else p.set(k, v);
    }
    const s = p.toString();
    return s ? `?${s}` : "";
  };
  return (
    <div className="flex min-h-0 flex-col rounded-lg border border-slate-200 bg-white shadow-xs">
      <form className="flex gap-2 border-b border-slate-100 p-2" action="/messages" aria-label="Search conversations">
        <label htmlFor="conv-q" className="sr-only">
          Search conversations
        </label>
        <input
          id="conv-q"
          name="q"
          type="search"
          defaultValue={search}
          placeholder="Search by name or email"
          className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        />
        {unreadOnly ? <input type="hidden" name="unread" value="1" /> : null}
      </form>
      <div className="flex gap-3 border-b border-slate-100 px-3 py-1.5 text-xs">
        <Link
          href={`/messages${qs({ unread: undefined })}`}
          className={!unreadOnly ? "font-semibold text-brand-700" : "text-slate-500 hover:text-slate-800"}
        >
          All
        </Link>
        <Link
          href={`/messages${qs({ unread: "1" })}`}
          className={unreadOnly ? "font-semibold text-brand-700" : "text-slate-500 hover:text-slate-800"}
        >
          Unread
        </Link>
      </div>
      {items.length === 0 ? (
        <p className="px-4 py-8 text-center text-sm text-slate-500">
          {search || unreadOnly ? "No conversations match." : "No conversations yet. Write to a user from their profile."}
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 overflow-auto" data-testid="conversations">
          {items.map((c) => (
            <li key={c.userId}>
              <Link
                href={`/messages/${c.userId}${qs({})}`}
                aria-current={selected === c.userId ? "page" : undefined}
                className={`block px-3 py-2.5 text-sm hover:bg-slate-50 ${selected === c.userId ? "bg-brand-50" : ""}`}
              >
                <span className="flex items-center justify-between gap-2">
                  <span className={`truncate ${c.unread ? "font-semibold text-slate-900" : "font-medium text-slate-800"}`}>
                    {c.name ?? c.email ?? c.userId}
                  </span>
                  <span className="shrink-0 text-xs text-slate-600">{formatAgo(c.lastAt, now)}</span>
                </span>
                <span className="flex items-center justify-between gap-2">
                  <span className="truncate text-xs text-slate-600">
                    {c.lastDirection === "outbound" ? "You: " : ""}
                    {c.lastContent}
                  </span>
                  {c.unread ? (
                    <span className="shrink-0 rounded-full bg-brand-600 px-1.5 text-xs font-semibold text-white">{c.unread}</span>
                  ) : null}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
