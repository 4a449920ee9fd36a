import { ListPage } from "@/components/ui/list-page";
import { Badge } from "@/components/ui/primitives";
import { formatAgo } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Templates" };

/** What the list says: its title, what it is for, and how to start one. */
const COPY = {
  title: "Templates",
  description: "Emails written once, personalised for each reader. Editing keeps every earlier version.",
  create: { href: "/templates/new", label: "New template", first: "Write the first one" },
  empty: { title: "No templates yet", viewerNote: "An admin can write the first one." },
  testId: "templates-list",
};

export default async function TemplatesPage() {
  const caller = await api();
  const [me, templates] = await Promise.all([caller.admins.me(), caller.messaging.templates.list()]);
  const now = Date.now();
  return (
    <ListPage
      {...COPY}
      canCreate={me.role !== "viewer"}
      items={templates}
      href={(t) => `/templates/${t.id}`}
      row={(t) => ({
        name: t.name,
        badge: t.status === "archived" ? <Badge>archived</Badge> : null,
        detail: t.subject,
        aside: (
          <>
            v{t.currentVersion}
            <br />
            {formatAgo(t.updatedAt, now)}
          </>
        ),
      })}
    />
  );
}
