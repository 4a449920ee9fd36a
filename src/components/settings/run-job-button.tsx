"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/ui/action-button";
import { useTRPC } from "@/trpc/react";

export function RunJobButton({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.system.runJob.mutationOptions({ onSuccess: () => setTimeout(() => router.refresh(), 800) }));
  return (
    <ActionButton
      label="Run now"
      pendingLabel="Asking…"
      pending={run.isPending}
      error={run.error?.message}
      onClick={() => run.mutate({ jobId })}
    />
  );
}
