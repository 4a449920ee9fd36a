"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { buttonClass } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";

export function ArchiveTemplateButton({ id, archived }: { id: string; archived: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.messaging.templates.archive.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span className="inline-flex flex-col items-end">
      <button
        type="button"
        className={archived ? buttonClass.secondary : buttonClass.danger}
        disabled={run.isPending}
        onClick={() => run.mutate({ id, archived: !archived })}
      >
        {archived ? "Restore" : "Archive"}
      </button>
      {run.error ? (
        <span role="alert" className="text-xs text-red-700">
          {run.error.message}
        </span>
      ) : null}
    </span>
  );
}
