import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { formatDate, formatInt } from "@/lib/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Segments" };

export default async function SegmentsPage() {
  const segments = await (await api()).segments.list();
  return (
    <>
      <PageHeader title="Segments" description="Groups of users defined by criteria, kept up to date in the background." />
      <Card>
        {segments.length === 0 ? (
          <EmptyState title="No segments yet">The segment builder is not available yet; segments will be listed here.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {segments.map((s) => (
              <li key={s.id} className="flex items-center justify-between px-4 py-3 text-sm">
                <div>
                  <p className="font-medium text-slate-900">{s.name}</p>
                  {s.description ? <p className="text-slate-500">{s.description}</p> : null}
                </div>
                <div className="text-right text-slate-600">
                  <p className="tabular-nums">{formatInt(s.userCount)} users</p>
                  <p className="text-xs text-slate-400">created {formatDate(s.createdAt)}</p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
