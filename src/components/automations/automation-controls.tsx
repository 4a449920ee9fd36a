"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { ConfirmDanger } from "@/components/ui/confirm-danger";
import { buttonClass } from "@/components/ui/primitives";
import type { TAutomationStatus } from "@/shared/schemas/automations";
import { useTRPC } from "@/trpc/react";

/** Edit, turn on / pause / resume, archive (confirmed, naming what it ends). */
export function AutomationControls({ id, name, status, active }: { id: string; name: string; status: TAutomationStatus; active: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const turnOn = useMutation(trpc.automations.turnOn.mutationOptions(done));
  const pause = useMutation(trpc.automations.pause.mutationOptions(done));
  const archive = useMutation(trpc.automations.archive.mutationOptions({ onSuccess: () => router.refresh() }));
  const error = turnOn.error?.message ?? pause.error?.message ?? archive.error?.message;
  if (status === "archived") return null;
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      <div className="flex flex-wrap gap-2">
        <Link href={`/automations/${id}/edit`} className={buttonClass.secondary}>
          Edit
        </Link>
        {status === "live" ? (
          <button type="button" className={buttonClass.secondary} disabled={pause.isPending} onClick={() => pause.mutate({ id })}>
            {pause.isPending ? "Pausing…" : "Pause"}
          </button>
        ) : (
          <button type="button" className={buttonClass.primary} disabled={turnOn.isPending} onClick={() => turnOn.mutate({ id })}>
            {turnOn.isPending ? "Turning on…" : status === "paused" ? "Resume" : "Turn on"}
          </button>
        )}
        <ConfirmDanger
          label="Archive"
          question={`Archive “${name}”${active ? ` and end ${active} running` : ""}?`}
          confirmLabel="Yes, archive"
          pendingLabel="Archiving…"
          pending={archive.isPending}
          onConfirm={() => archive.mutate({ id })}
        />
      </div>
      {error ? (
        <p role="alert" className="max-w-md whitespace-pre-line text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** While runs are going, the page's figures are read again (every 15 s: the report counts every run of the automation). */
export function RefreshWhileRunning({ every = 15_000 }: { every?: number }) {
  const router = useRouter();
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, every);
    return () => clearInterval(t);
  }, [router, every]);
  return null;
}
