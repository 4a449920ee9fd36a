import Link from "next/link";
import { RecomputeAllButton } from "@/components/segments/recompute-all-button";
import { buttonClass, Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { formatAgo, formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Segments" };

export default async function SegmentsPage() {
  const caller = await api();
  const [me, segments] = await Promise.all([caller.admins.me(), caller.segments.list()]);
  const canEdit = me.role !== "viewer";
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Segments"
        description="Groups of users defined by criteria. Members are recomputed in the background on a schedule."
        actions={
          canEdit ? (
            <>
              {segments.length ? <RecomputeAllButton /> : null}
              <Link href="/segments/new" className={buttonClass.primary}>
                New segment
              </Link>
            </>
          ) : null
        }
      />
      <Card>
        {segments.length === 0 ? (
          <EmptyState title="No segments yet">
            {canEdit ? (
              <>
                <Link href="/segments/new" className="text-brand-700 underline">
                  Build the first one
                </Link>
                : for example, paid users who have not done an assessment in 14 days.
              </>
            ) : (
              "An admin can build the first one."
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid="segments-list">
            {segments.map((s) => (
              <li key={s.id}>
                <Link href={`/segments/${s.id}`} className="flex items-center justify-between gap-4 px-4 py-3 text-sm hover:bg-slate-50">
                  <span className="min-w-0">
                    <span className="block truncate font-medium text-slate-900">{s.name}</span>
                    {s.description ? <span className="block truncate text-slate-500">{s.description}</span> : null}
                  </span>
                  <span className="shrink-0 text-right">
                    <span className="block tabular-nums text-slate-800">{formatInt(s.userCount)} members</span>
                    <span className="block text-xs text-slate-500">
                      {s.lastComputedAt ? `computed ${formatAgo(s.lastComputedAt, now)}` : "not computed yet"}
                    </span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
