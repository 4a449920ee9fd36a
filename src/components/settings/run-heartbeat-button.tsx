"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/react";

export function RunHeartbeatButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(
    trpc.system.runHeartbeat.mutationOptions({
      onSuccess: () => setTimeout(() => router.refresh(), 600),
    }),
  );
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        onClick={() => run.mutate()}
        disabled={run.isPending}
        className="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
      >
        {run.isPending ? "Running…" : "Run now"}
      </button>
      {run.error ? (
        <span role="alert" className="text-xs text-red-600">
          {run.error.message}
        </span>
      ) : null}
    </span>
  );
}
