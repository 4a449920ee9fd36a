"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { formatDateTime } from "@/shared/format";
import { useTRPC } from "@/trpc/react";
import { STEP_LABELS } from "./labels";
import { LiveAutomationSelect } from "./live-automation-select";

/**
 * A user's automation runs (step reached, next step due, messages sent), and
 * for admins: enrol them in a live automation by hand (audited; the
 * automation's re-entry policy still applies).
 */
export function UserAutomations({ userId, canEdit }: { userId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const runs = useQuery(trpc.automations.runs.queryOptions({ userId, limit: 20 }));
  const [chosen, setChosen] = useState("");
  const [note, setNote] = useState<string | null>(null);
  const enrol = useMutation(
    trpc.automations.enrol.mutationOptions({
      onSuccess: (r) => {
        setNote(
          r.enrolled
            ? "Enrolled: the first step runs now."
            : "Not enrolled: already in a run, or the automation's re-entry rule keeps them out.",
        );
        void qc.invalidateQueries({ queryKey: trpc.automations.runs.queryKey({ userId, limit: 20 }) });
      },
    }),
  );
  return (
    <Card>
      <CardHeader title="Automations" description="Journeys this user is in or went through" />
      {runs.isLoading ? (
        <p className="px-4 py-4 text-sm text-slate-500">Loading…</p>
      ) : runs.isError ? (
        <p role="alert" className="px-4 py-4 text-sm text-red-700">
          {runs.error.message}
        </p>
      ) : runs.data?.length ? (
        <ul className="divide-y divide-slate-100" aria-label="Automation runs" data-testid="user-automation-runs">
          {runs.data.map((r) => (
            <li key={r.id} className="px-4 py-2 text-sm">
              <Link href={`/automations/${r.automationId}`} className="block truncate text-slate-800 hover:text-brand-700">
                {r.automationName}
              </Link>
              <span className="block text-xs text-slate-500">
                {r.status === "active"
                  ? `at ${r.currentStepType ? STEP_LABELS[r.currentStepType].toLowerCase() : "—"}${r.dueAt ? `, next ${formatDateTime(r.dueAt)}` : ""}${r.heldReason ? ` (held: ${r.heldReason === "quiet" ? "quiet hours" : "frequency cap"})` : ""}`
                  : `${r.status}${r.exitReason ? `: ${r.exitReason}` : ""}`}
                {` · ${r.sent} sent`}
                {r.isControl ? " · control group" : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="px-4 py-4 text-sm text-slate-500">Not in any automation.</p>
      )}
      {canEdit ? (
        <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 px-4 py-3">
          <label htmlFor="enrol-automation" className="sr-only">
            Automation to enrol in
          </label>
          <LiveAutomationSelect
            id="enrol-automation"
            value={chosen}
            onChange={setChosen}
            placeholder="Enrol in a live automation…"
            className={`${inputClass} min-w-0 flex-1`}
          />
          <button
            type="button"
            className={buttonClass.secondary}
            disabled={!chosen || enrol.isPending}
            onClick={() => enrol.mutate({ id: chosen, userIds: [userId] })}
          >
            {enrol.isPending ? "Enrolling…" : "Enrol"}
          </button>
          {note && !enrol.isError ? (
            <p role="status" className="w-full text-xs text-slate-600">
              {note}
            </p>
          ) : null}
          {enrol.error ? (
            <p role="alert" className="w-full text-xs text-red-700">
              {enrol.error.message}
            </p>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
