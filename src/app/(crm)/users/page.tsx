import Link from "next/link";
import { buttonClass, Card, EmptyState, inputClass, PageHeader } from "@/components/ui/primitives";
import { formatAgo, formatDate } from "@/lib/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Users" };

export default async function UsersPage({ searchParams }: { searchParams: Promise<{ q?: string; after?: string }> }) {
  const { q, after } = await searchParams;
  const caller = await api();
  const search = q?.trim().slice(0, 200) || undefined;
  const page = await caller.users.list({ search, cursor: after, limit: 50 });
  const now = Date.now();
  return (
    <>
      <PageHeader title="Users" description="Newest first. Search matches any part of an email address or name." />
      <form className="mb-4 flex gap-2" aria-label="Search users">
        <label htmlFor="q" className="sr-only">
          Search users
        </label>
        <input id="q" name="q" defaultValue={search} placeholder="Search by email or name" className={`${inputClass} max-w-md`} />
        <button type="submit" className={buttonClass.secondary}>
          Search
        </button>
      </form>
      <Card className="overflow-hidden">
        {page.items.length === 0 ? (
          <EmptyState title={search ? `No users match “${search}”` : "No users yet"}>
            {search ? "Try part of the address or a first name." : "Run npm run db:seed to load demo data."}
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2.5">
                    Name
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Email
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 sm:table-cell">
                    Joined
                  </th>
                  <th scope="col" className="px-4 py-2.5">
                    Last active
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.items.map((u) => (
                  <tr key={u.id} className="hover:bg-slate-50">
                    <td className="whitespace-nowrap px-4 py-2.5 font-medium text-slate-900">{u.name ?? "—"}</td>
                    <td className="max-w-[14rem] truncate px-4 py-2.5 text-slate-600">{u.email}</td>
                    <td className="hidden whitespace-nowrap px-4 py-2.5 text-slate-600 sm:table-cell">{formatDate(u.createdAt)}</td>
                    <td className="whitespace-nowrap px-4 py-2.5 text-slate-600">{formatAgo(u.lastActiveAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <div className="mt-4 flex justify-end gap-2">
        {after ? (
          <Link href={{ pathname: "/users", query: search ? { q: search } : {} }} className={buttonClass.secondary}>
            First page
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link
            href={{ pathname: "/users", query: { ...(search ? { q: search } : {}), after: page.nextCursor } }}
            className={buttonClass.secondary}
          >
            Next page
          </Link>
        ) : null}
      </div>
    </>
  );
}
