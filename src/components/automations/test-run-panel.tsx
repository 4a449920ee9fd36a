"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { formatDateTime } from "@/shared/format";
import { useTRPC } from "@/trpc/react";
import { OUTCOME_LABELS } from "./labels";

/**
 * Test mode: the current draft for one chosen user, at once. Waits pass,
 * branches decide on the user's real data, messages go to the dev outbox
 * only, and nothing about the user changes. The timeline fills in as it runs.
 */
export function TestRunPanel({
  automationId,
  stepNames,
  outboxVisible,
}: {
  automationId: string;
  stepNames: Record<string, string>;
  outboxVisible: boolean;
}) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [debounced, setDebounced] = useState("");
  const [userId, setUserId] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), 300);
    return () => clearTimeout(t);
  }, [search]);
  const users = useQuery({
    ...trpc.users.list.queryOptions({ filters: { search: debounced }, limit: 6 }),
    enabled: debounced.length >= 2 && !userId,
  });
  const start = useMutation(trpc.automations.testRun.mutationOptions({ onSuccess: (r) => setRunId(r.runId) }));
  const timeline = useQuery({
    ...trpc.automations.timeline.queryOptions({ runId: runId ?? "00000000-0000-4000-8000-000000000000" }),
    enabled: Boolean(runId),
    refetchInterval: (q) => (q.state.data?.run.status === "active" ? 1000 : false),
  });
  const chosen = users.data?.items.find((u) => u.id === userId);
  return (
    <Card>
      <CardHeader
        title="Test mode"
        description="Runs the current draft for one user now: waits pass, messages go to the dev outbox only."
      />
      <div className="space-y-3 p-4 text-sm">
        {userId ? (
          <p className="flex flex-wrap items-center gap-2">
            For <span className="font-medium text-slate-900">{chosen?.name ?? chosen?.email ?? userId}</span>
            <button
              type="button"
              className="text-xs text-brand-700 underline"
              onClick={() => {
                setUserId(null);
                setRunId(null);
              }}
            >
              change
            </button>
          </p>
        ) : (
          <div>
            <label htmlFor="test-user" className="mb-1 block text-xs font-medium text-slate-600">
              Choose a user
            </label>
            <input
              id="test-user"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="Name or email"
              className={inputClass}
            />
            {users.data?.items.length ? (
              <ul className="mt-1 divide-y divide-slate-100 rounded-md border border-slate-200" aria-label="Matching users">
                {users.data.items.map((u) => (
                  <li key={u.id}>
                    <button type="button" className="w-full px-3 py-1.5 text-left hover:bg-slate-50" onClick={() => setUserId(u.id)}>
                      {u.name ?? u.email} <span className="text-xs text-slate-500">{u.email}</span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : debounced.length >= 2 && users.isSuccess ? (
              <p className="mt-1 text-xs text-slate-500">No user matches “{debounced}”.</p>
            ) : null}
          </div>
        )}
        <button
          type="button"
          className={buttonClass.secondary}
          disabled={!userId || start.isPending}
          onClick={() => userId && start.mutate({ id: automationId, userId })}
        >
          {start.isPending ? "Starting…" : "Run test"}
        </button>
        {start.error ? (
          <p role="alert" className="whitespace-pre-line text-red-700">
            {start.error.message}
          </p>
        ) : null}
        {timeline.data ? (
          <div aria-live="polite">
            <p className="mb-1 text-xs text-slate-500">
              Test run {timeline.data.run.status === "active" ? "running…" : timeline.data.run.status}
              {timeline.data.run.lastError ? `: ${timeline.data.run.lastError}` : ""}
            </p>
            <ol className="space-y-1" data-testid="test-timeline">
              {timeline.data.steps.map((s) => (
                <li key={s.stepId}>
                  <span className="flex justify-between gap-2">
                    <span className="truncate">{stepNames[s.stepId] ?? s.stepId}</span>
                    <span className="shrink-0 text-xs text-slate-500">
                      {OUTCOME_LABELS[s.outcome]} · {formatDateTime(s.at)}
                    </span>
                  </span>
                  {s.preview ? (
                    <span className="mt-0.5 block truncate rounded bg-slate-50 px-2 py-1 text-xs text-slate-600">
                      “{s.preview.subject}” to {s.preview.to.join(", ")} (not sent: kept for this test)
                    </span>
                  ) : null}
                </li>
              ))}
            </ol>
            {outboxVisible ? (
              <Link href="/dev/outbox" className="mt-2 inline-block text-xs text-brand-700 underline">
                See the messages in the dev outbox
              </Link>
            ) : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
