import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClass, Card, EmptyState, PageHeader } from "./primitives";

/**
 * A list page: a header with its "New …" button for those who may create,
 * and the items as linked rows, or an empty state that says who can start.
 */
export function ListPage<T extends { id: string }>({
  title,
  description,
  canCreate,
  create,
  empty,
  items,
  href,
  testId,
  row,
  intro,
}: {
  title: string;
  description: string;
  canCreate: boolean;
  create: { href: string; label: string; first: string };
  empty: { title: string; viewerNote: string };
  items: T[];
  href: (item: T) => string;
  testId: string;
  /** One row: its name (and a badge beside it), a line under it, and figures on the right. */
  row: (item: T) => { name: string; badge?: ReactNode; detail: ReactNode; aside: ReactNode };
  /** Shown between the header and the list. */
  intro?: ReactNode;
}) {
  return (
    <>
      <PageHeader
        title={title}
        description={description}
        actions={
          canCreate ? (
            <Link href={create.href} className={buttonClass.primary}>
              {create.label}
            </Link>
          ) : null
        }
      />
      {intro}
      <Card>
        {items.length === 0 ? (
          <EmptyState title={empty.title}>
            {canCreate ? (
              <Link href={create.href} className="text-brand-700 underline">
                {create.first}
              </Link>
            ) : (
              empty.viewerNote
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid={testId}>
            {items.map((item) => {
              const r = row(item);
              return (
                <li key={item.id}>
                  <Link href={href(item)} className="flex items-center justify-between gap-4 px-4 py-3 text-sm hover:bg-slate-50">
                    <span className="min-w-0">
                      <span className="flex items-center gap-2 font-medium text-slate-900">
                        <span className="truncate">{r.name}</span> {r.badge}
                      </span>
                      <span className="block truncate text-slate-500">{r.detail}</span>
                    </span>
                    <span className="shrink-0 text-right text-xs text-slate-500">{r.aside}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </>
  );
}
