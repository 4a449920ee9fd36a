import Link from "next/link";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { SavedViews } from "@/components/users/saved-views";
import { SelectableUsers } from "@/components/users/selectable-users";
import { UserFilters } from "@/components/users/user-filters";
import { UsersTable } from "@/components/users/users-table";
import { formatAgo, formatInt } from "@/shared/format";
import { parseUsersQuery, usersQueryString } from "@/shared/users-query";
import { api } from "@/trpc/server";

export const metadata = { title: "Users" };

type TParams = Record<string, string | string[] | undefined>;

function toSearchParams(params: TParams) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") sp.set(k, v);
  return sp;
}

export default async function UsersPage({ searchParams }: { searchParams: Promise<TParams> }) {
  const sp = toSearchParams(await searchParams);
  const { filters, sort, dropped } = parseUsersQuery(sp);
  const after = sp.get("after") ?? undefined;
  const caller = await api();
  const me = await caller.admins.me();
  const [page, total, plans, views, segments] = await Promise.all([
    caller.users.list({ filters, sort, cursor: after, limit: 50, timeZone: me.timezone }).catch((err: unknown) => {
      if (after) return { items: [], nextCursor: null, statsAsOf: null, cursorError: err instanceof Error ? err.message : "Bad cursor" };
      throw err;
    }),
    caller.users.count({ filters, timeZone: me.timezone }),
    caller.users.plans(),
    caller.users.savedViews.list(),
    caller.segments.list(),
  ]);
  const query = usersQueryString(filters, sort);
  const exportHref = `/api/users/export?${query ? `${query}&` : ""}tz=${encodeURIComponent(me.timezone)}`;
  const filtered = query.replace(/(^|&)(sort|dir)=[^&]*/g, "") !== "";
  const now = Date.now();
  const countLabel = total.exact
    ? `${formatInt(total.count)} ${total.count === 1 ? "user" : "users"}`
    : `About ${formatInt(Math.round(total.count / 1000) * 1000)} users (estimate)`;

  return (
    <>
      <PageHeader
        title="Users"
        description={
          <>
            <span className="font-medium text-slate-700" data-testid="users-count">
              {countLabel}
            </span>
            {filtered ? " match these filters" : ""}.{" "}
            {page.statsAsOf
              ? `Plan, spend and AI cost as of ${formatAgo(page.statsAsOf, now)}.`
              : "Plan, spend and AI cost appear after the first refresh."}
          </>
        }
        actions={
          <a href={exportHref} className={buttonClass.secondary} download>
            Export CSV
          </a>
        }
      />
      {dropped.length ? (
        <p role="status" className="mb-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
          Ignored filters that were not valid in the link: {dropped.join(", ")}.
        </p>
      ) : null}
      <div className="mb-4 flex flex-col gap-3 lg:flex-row lg:items-start">
        <div className="min-w-0 flex-1">
          <UserFilters filters={filters} sort={sort} plans={plans} segments={segments.map((s) => ({ id: s.id, name: s.name }))} />
        </div>
        <SavedViews views={views} currentQuery={query} />
      </div>
      {"cursorError" in page ? (
        <Card>
          <EmptyState title="This page link has expired">
            {page.cursorError}{" "}
            <Link className="text-brand-700 underline" href={`/users${query ? `?${query}` : ""}`}>
              Go to the first page
            </Link>
          </EmptyState>
        </Card>
      ) : page.items.length === 0 ? (
        <Card>
          <EmptyState title={filtered ? "No users match these filters" : "No users yet"}>
            {filtered ? (
              <>
                Loosen a filter, or{" "}
                <Link className="text-brand-700 underline" href="/users">
                  clear them all
                </Link>
                .
              </>
            ) : (
              "Users appear here as they sign up in the app. Locally, npm run db:seed loads demo data."
            )}
          </EmptyState>
        </Card>
      ) : me.role !== "viewer" ? (
        <SelectableUsers key={`${query}|${after ?? ""}`} items={page.items} sort={sort} query={query} now={now} />
      ) : (
        <UsersTable items={page.items} sort={sort} query={query} now={now} />
      )}
      <nav className="mt-4 flex justify-end gap-2" aria-label="Pages">
        {after ? (
          <Link href={`/users${query ? `?${query}` : ""}`} className={buttonClass.secondary}>
            First page
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={`/users?${query ? `${query}&` : ""}after=${page.nextCursor}`} className={buttonClass.secondary}>
            Next page
          </Link>
        ) : null}
      </nav>
    </>
  );
}
