import Link from "next/link";
import { notFound } from "next/navigation";
import { AutomationControls, RefreshWhileRunning } from "@/components/automations/automation-controls";
import { AutomationStatus } from "@/components/automations/automation-status";
import { describeStep, describeTrigger, OUTCOME_LABELS, STEP_LABELS } from "@/components/automations/labels";
import { TestRunPanel } from "@/components/automations/test-run-panel";
import { CriteriaSummary } from "@/components/segments/criteria-summary";
import { Card, CardHeader, EmptyState } from "@/components/ui/primitives";
import { localOutboxVisible } from "@/lib/env";
import { formatAgo, formatDateTime, formatInt } from "@/shared/format";
import type { TStep, TStepOutcome } from "@/shared/schemas/automations";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Automation" };

type TCounts = { completed: number; waiting: number; outcomes: Partial<Record<TStepOutcome, number>>; opened: number; clicked: number };

function StepCounts({ c, step }: { c?: TCounts; step: TStep }) {
  if (!c) return null;
  const outcomes = Object.entries(c.outcomes).filter(([, n]) => n);
  const send = step.type.startsWith("send_");
  return (
    <span className="flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-500" data-testid={`step-counts-${step.id}`}>
      {c.waiting ? <span className="font-medium text-amber-800">{formatInt(c.waiting)} here now</span> : null}
      <span>{formatInt(c.completed)} passed</span>
      {outcomes.length > 1 || (outcomes[0] && outcomes[0][0] !== "done") ? (
        <span>{outcomes.map(([o, n]) => `${formatInt(n as number)} ${OUTCOME_LABELS[o as TStepOutcome]}`).join(" · ")}</span>
      ) : null}
      {send && step.type !== "send_in_app" ? (
        <span>
          {formatInt(c.opened)} opened · {formatInt(c.clicked)} clicked
        </span>
      ) : null}
      {send && step.type === "send_in_app" ? <span>{formatInt(c.opened)} read</span> : null}
    </span>
  );
}

/** The flow as it runs, with each step's counts; a branch's arms side by side. */
function Flow({
  steps,
  counts,
  templateName,
  names,
}: {
  steps: TStep[];
  counts: Map<string, TCounts>;
  templateName: (id: string) => string | undefined;
  names: Map<string, string>;
}) {
  if (!steps.length) return <p className="text-xs text-slate-500">Nothing: the run goes on.</p>;
  return (
    <ol className="space-y-2">
      {steps.map((s) => (
        <li key={s.id} className="rounded-md border border-slate-200 bg-white px-3 py-2">
          <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{STEP_LABELS[s.type]}</p>
          <p className="text-sm text-slate-800">{describeStep(s, templateName)}</p>
          {(s.type === "branch" && !s.message) || s.type === "wait_until" ? (
            <div className="my-1 text-xs">
              <CriteriaSummary criteria={s.criteria} segmentNames={names} />
            </div>
          ) : null}
          <StepCounts c={counts.get(s.id)} step={s} />
          {s.type === "branch" ? (
            <div className="mt-2 grid gap-2 lg:grid-cols-2">
              {(["yes", "no"] as const).map((arm) => (
                <div key={arm} className="rounded-md border border-dashed border-slate-300 bg-slate-50 p-2">
                  <p className="mb-1 text-xs font-semibold text-slate-500">{arm === "yes" ? "Yes" : "No"}</p>
                  <Flow steps={s[arm]} counts={counts} templateName={templateName} names={names} />
                </div>
              ))}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

const pct = (v: number | null) => (v === null ? "—" : `${v.toFixed(1)}%`);

export default async function AutomationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, a] = await Promise.all([caller.admins.me(), orNotFound(caller.automations.get({ id }))]);
  if (!a) notFound();
  const [report, runs, segments, templates] = await Promise.all([
    caller.automations.report({ id }),
    caller.automations.runs({ automationId: id, limit: 25 }),
    caller.segments.list(),
    caller.messaging.templates.list(),
  ]);
  const segmentName = (sid: string) => segments.find((s) => s.id === sid)?.name;
  const names = new Map(segments.map((s) => [s.id, s.name]));
  const templateName = (tid: string) => templates.find((t) => t.id === tid)?.name;
  const counts = new Map(report.steps.map((s) => [s.stepId, s]));
  const stepNames: Record<string, string> = {};
  const collect = (steps: TStep[]) => {
    for (const s of steps) {
      stepNames[s.id] = describeStep(s, templateName);
      if (s.type === "branch") {
        collect(s.yes);
        collect(s.no);
      }
    }
  };
  collect(a.definition.steps);
  const canEdit = me.role !== "viewer";
  const now = Date.now();
  return (
    <>
      {a.status === "live" ? <RefreshWhileRunning every={15_000} /> : null}
      <nav className="mb-3 text-sm">
        <Link href="/automations" className="text-slate-500 hover:text-slate-900">
          ← Automations
        </Link>
      </nav>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <h1 className="flex items-center gap-2 text-xl font-semibold tracking-tight text-slate-900">
            <span className="truncate">{a.name}</span> <AutomationStatus status={a.status} />
          </h1>
          {a.description ? <p className="mt-1 text-sm text-slate-600">{a.description}</p> : null}
          <p className="mt-1 text-sm text-slate-500">
            {describeTrigger(a.definition.trigger, segmentName)}
            {a.liveVersion ? ` · version ${a.liveVersion} runs` : " · never turned on"} · edited {formatAgo(a.updatedAt, now)}
          </p>
        </div>
        {canEdit ? <AutomationControls id={a.id} name={a.name} status={a.status} active={report.active} /> : null}
      </div>

      <div className="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="automation-summary">
        {[
          ["Entered", report.entered],
          ["In a run now", report.active],
          ["Completed", report.completed],
          ["Exited early", report.exited],
        ].map(([label, value]) => (
          <Card key={label as string} className="px-4 py-3">
            <p className="text-xs text-slate-500">{label}</p>
            <p className="text-2xl font-semibold tabular-nums text-slate-900">{formatInt(value as number)}</p>
          </Card>
        ))}
      </div>

      <div className="grid min-w-0 gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-6">
          <Card>
            <CardHeader
              title="Flow"
              description={
                a.liveVersion ? "The draft, with counts from every version's runs (steps keep their ids across versions)." : "The draft."
              }
            />
            <div className="bg-slate-50/50 p-4">
              <Flow steps={a.definition.steps} counts={counts} templateName={templateName} names={names} />
            </div>
          </Card>
          <Card>
            <CardHeader title="Recent runs" description="Latest 25; test runs are not listed." />
            {runs.length === 0 ? (
              <EmptyState title="No one has entered yet">
                {a.status === "live" ? "People enter as the trigger fires." : "Turn it on, or try it in test mode first."}
              </EmptyState>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full text-sm">
                  <thead className="text-left text-xs text-slate-500">
                    <tr>
                      <th className="px-4 py-2 font-medium">User</th>
                      <th className="px-4 py-2 font-medium">Status</th>
                      <th className="px-4 py-2 font-medium">Where</th>
                      <th className="px-4 py-2 font-medium">Entered</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {runs.map((r) => (
                      <tr key={r.id}>
                        <td className="px-4 py-2">
                          <Link href={`/users/${r.userId}`} className="text-slate-800 hover:text-brand-700">
                            {r.name ?? r.email ?? r.userId}
                          </Link>
                          {r.isControl ? <span className="ml-1 text-xs text-slate-500">(control)</span> : null}
                        </td>
                        <td className="px-4 py-2 text-slate-700">
                          {r.status}
                          {r.exitReason ? <span className="block text-xs text-slate-500">{r.exitReason}</span> : null}
                          {r.lastError ? <span className="block text-xs text-red-700">{r.lastError}</span> : null}
                        </td>
                        <td className="px-4 py-2 text-slate-700">
                          {r.currentStep ? (stepNames[r.currentStep] ?? r.currentStep) : "—"}
                          {r.status === "active" && r.dueAt ? (
                            <span className="block text-xs text-slate-500">
                              {r.heldReason ? `held (${r.heldReason === "quiet" ? "quiet hours" : "frequency cap"}) until ` : "next "}
                              {formatDateTime(r.dueAt)}
                            </span>
                          ) : null}
                        </td>
                        <td className="px-4 py-2 text-xs text-slate-500">{formatDateTime(r.enteredAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </div>
        <div className="min-w-0 space-y-6">
          <Card>
            <CardHeader title="Goal" description={report.goal ? `Reached within ${report.goal.withinDays} days of entering` : undefined} />
            {report.goal ? (
              <dl className="grid grid-cols-2 gap-3 p-4 text-sm" data-testid="automation-goal">
                <div>
                  <dt className="text-xs text-slate-500">Received the flow</dt>
                  <dd className="text-lg font-semibold tabular-nums">{pct(report.goal.treated.rate)}</dd>
                  <dd className="text-xs text-slate-500">
                    {formatInt(report.goal.treated.reached)} of {formatInt(report.goal.treated.entered)}
                  </dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Control group</dt>
                  <dd className="text-lg font-semibold tabular-nums">{pct(report.goal.control.rate)}</dd>
                  <dd className="text-xs text-slate-500">
                    {formatInt(report.goal.control.reached)} of {formatInt(report.goal.control.entered)}
                  </dd>
                </div>
                <div className="col-span-2">
                  <dt className="text-xs text-slate-500">Lift</dt>
                  <dd className="text-lg font-semibold tabular-nums">
                    {report.goal.lift === null ? "—" : `${report.goal.lift > 0 ? "+" : ""}${report.goal.lift.toFixed(1)} points`}
                  </dd>
                  <dd className="text-xs text-slate-500">
                    {report.goal.lift === null
                      ? "Needs people in both groups (set a control group)."
                      : "Goal rate with the flow minus without it."}
                  </dd>
                </div>
              </dl>
            ) : (
              <p className="p-4 text-sm text-slate-500">
                No goal set. Add one in the builder to measure conversion against a control group.
              </p>
            )}
          </Card>
          {canEdit && a.status !== "archived" ? (
            <TestRunPanel automationId={a.id} stepNames={stepNames} outboxVisible={localOutboxVisible()} />
          ) : null}
        </div>
      </div>
    </>
  );
}
