"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { buttonClass } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";

export function RecomputeAllButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.segments.recompute.mutationOptions({ onSuccess: () => setTimeout(() => router.refresh(), 2000) }));
  return (
    <span className="inline-flex flex-col items-end">
      <button type="button" className={buttonClass.secondary} disabled={run.isPending} onClick={() => run.mutate({ id: null })}>
        {run.isPending ? "Requesting…" : run.isSuccess ? "Recompute requested" : "Recompute all"}
      </button>
      {run.error ? (
        <span role="alert" className="text-xs text-red-700">
          {run.error.message}
        </span>
      ) : null}
    </span>
  );
}
