import Link from "next/link";
import { notFound } from "next/navigation";
import { SendTemplate } from "@/components/templates/send-template";
import { ArchiveTemplateButton } from "@/components/templates/template-actions";
import { TemplateEditor } from "@/components/templates/template-editor";
import { Badge, Card, CardHeader } from "@/components/ui/primitives";
import { formatDateTime, formatInt } from "@/shared/format";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Template" };

export default async function TemplatePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, t] = await Promise.all([caller.admins.me(), orNotFound(caller.messaging.templates.get({ id }))]);
  if (!t) notFound();
  const canEdit = me.role !== "viewer" && t.status === "active";
  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/templates" className="text-slate-500 hover:text-slate-900">
          ← Templates
        </Link>
      </nav>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <h1 className="flex items-center gap-2 text-xl font-semibold tracking-tight text-slate-900">
            {t.name} {t.status === "archived" ? <Badge>archived</Badge> : null}
          </h1>
          <p className="mt-1 text-sm text-slate-500">
            Version {t.currentVersion} · sent {formatInt(t.sentCount)} {t.sentCount === 1 ? "time" : "times"}
          </p>
        </div>
        {me.role !== "viewer" ? <ArchiveTemplateButton id={t.id} archived={t.status === "archived"} /> : null}
      </div>
      <TemplateEditor key={t.currentVersion} initial={t} canEdit={canEdit} />
      {me.role !== "viewer" && t.status === "active" ? (
        <div className="mt-6">
          <SendTemplate templateId={t.id} />
        </div>
      ) : null}
      <Card className="mt-6">
        <CardHeader title="Versions" description="Every saved version; sent messages record the one they used" />
        <ol className="divide-y divide-slate-100">
          {t.versions.map((v) => (
            <li key={v.version} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
              <span className="min-w-0">
                <span className="font-medium text-slate-800">v{v.version}</span> <span className="text-slate-600">{v.subject}</span>
              </span>
              <span className="text-xs text-slate-500">
                {formatDateTime(v.createdAt)}
                {v.createdBy ? ` · ${v.createdBy}` : ""}
              </span>
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
