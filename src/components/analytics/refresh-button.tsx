"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/ui/action-button";
import { useTRPC } from "@/trpc/react";

/** Moves the rollups forward now. The numbers are exact without it; it only makes the next views cheaper. */
export function RefreshRollupsButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.analytics.refreshNow.mutationOptions({ onSuccess: () => setTimeout(() => router.refresh(), 1500) }));
  return (
    <ActionButton
      label="Refresh rollups"
      pendingLabel="Refreshing…"
      pending={run.isPending}
      error={run.error?.message}
      onClick={() => run.mutate()}
    />
  );
}
