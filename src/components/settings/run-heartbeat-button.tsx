"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/ui/action-button";
import { useTRPC } from "@/trpc/react";

export function RunHeartbeatButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.system.runHeartbeat.mutationOptions({ onSuccess: () => setTimeout(() => router.refresh(), 600) }));
  return (
    <ActionButton label="Run now" pendingLabel="Running…" pending={run.isPending} error={run.error?.message} onClick={() => run.mutate()} />
  );
}
