import Link from "next/link";
import { Badge, buttonClass, Card, EmptyState, PageHeader } from "@/components/ui/primitives";
import { formatAgo } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Templates" };

export default async function TemplatesPage() {
  const caller = await api();
  const [me, templates] = await Promise.all([caller.admins.me(), caller.messaging.templates.list()]);
  const now = Date.now();
  return (
    <>
      <PageHeader
        title="Templates"
        description="Emails written once, personalised for each reader. Editing keeps every earlier version."
        actions={
          me.role !== "viewer" ? (
            <Link href="/templates/new" className={buttonClass.primary}>
              New template
            </Link>
          ) : null
        }
      />
      <Card>
        {templates.length === 0 ? (
          <EmptyState title="No templates yet">
            {me.role !== "viewer" ? (
              <Link href="/templates/new" className="text-brand-700 underline">
                Write the first one
              </Link>
            ) : (
              "An admin can write the first one."
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid="templates-list">
            {templates.map((t) => (
              <li key={t.id}>
                <Link href={`/templates/${t.id}`} className="flex items-center justify-between gap-4 px-4 py-3 text-sm hover:bg-slate-50">
                  <span className="min-w-0">
                    <span className="flex items-center gap-2 font-medium text-slate-900">
                      <span className="truncate">{t.name}</span>
                      {t.status === "archived" ? <Badge>archived</Badge> : null}
                    </span>
                    <span className="block truncate text-slate-500">{t.subject}</span>
                  </span>
                  <span className="shrink-0 text-right text-xs text-slate-500">
                    v{t.currentVersion}
                    <br />
                    {formatAgo(t.updatedAt, now)}
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
