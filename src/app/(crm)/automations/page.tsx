import { AutomationStatus } from "@/components/automations/automation-status";
import { describeTrigger } from "@/components/automations/labels";
import { NotificationsCard } from "@/components/automations/notifications-card";
import { ListPage } from "@/components/ui/list-page";
import { formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Automations" };

export default async function AutomationsPage() {
  const caller = await api();
  const [me, automations, segments] = await Promise.all([caller.admins.me(), caller.automations.list(), caller.segments.list()]);
  const segmentName = (id: string) => segments.find((s) => s.id === id)?.name;
  return (
    <ListPage
      intro={<NotificationsCard canEdit={me.role !== "viewer"} />}
      title="Automations"
      description="Journeys that react to what users do: a trigger, then waits, branches and messages, with a goal measured against a control group."
      canCreate={me.role !== "viewer"}
      create={{ href: "/automations/new", label: "New automation", first: "Start from a ready-made journey" }}
      empty={{ title: "No automations yet", viewerNote: "An admin can build the first one." }}
      items={automations}
      href={(a) => `/automations/${a.id}`}
      testId="automations-list"
      row={(a) => ({
        name: a.name,
        badge: <AutomationStatus status={a.status} />,
        detail: `${a.trigger ? describeTrigger(a.trigger, segmentName) : "Invalid draft"} · ${a.steps} ${a.steps === 1 ? "step" : "steps"}${a.liveVersion ? ` · v${a.liveVersion}` : ""}`,
        aside: (
          <>
            <span className="block tabular-nums text-slate-800">{formatInt(a.active)} in a run now</span>
            <span className="block">
              {formatInt(a.entered)} entered · {formatInt(a.goals)} reached the goal
            </span>
          </>
        ),
      })}
    />
  );
}
