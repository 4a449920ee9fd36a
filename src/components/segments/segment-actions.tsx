"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDanger } from "@/components/ui/confirm-danger";
import { buttonClass } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";

/** Edit, duplicate, recompute now, delete (with a confirmation that names the segment). */
export function SegmentActions({ id, name }: { id: string; name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [requested, setRequested] = useState(false);
  const recompute = useMutation(
    trpc.segments.recompute.mutationOptions({
      onSuccess: () => {
        setRequested(true);
        // In-process runs finish within moments; Inngest runs report on the next refresh.
        setTimeout(() => router.refresh(), 1500);
      },
    }),
  );
  const duplicate = useMutation(trpc.segments.duplicate.mutationOptions({ onSuccess: (s) => router.push(`/segments/${s.id}`) }));
  const remove = useMutation(trpc.segments.delete.mutationOptions({ onSuccess: () => router.push("/segments") }));
  const error = recompute.error?.message ?? duplicate.error?.message ?? remove.error?.message;
  return (
    <div className="flex flex-col items-stretch gap-2 sm:items-end">
      <div className="flex flex-wrap gap-2">
        <Link href={`/segments/${id}/edit`} className={buttonClass.secondary}>
          Edit
        </Link>
        <button type="button" className={buttonClass.secondary} disabled={recompute.isPending} onClick={() => recompute.mutate({ id })}>
          {recompute.isPending ? "Requesting…" : "Recompute"}
        </button>
        <button type="button" className={buttonClass.secondary} disabled={duplicate.isPending} onClick={() => duplicate.mutate({ id })}>
          {duplicate.isPending ? "Duplicating…" : "Duplicate"}
        </button>
        <ConfirmDanger
          label="Delete"
          question={`Delete “${name}”?`}
          confirmLabel="Yes, delete"
          pendingLabel="Deleting…"
          pending={remove.isPending}
          onConfirm={() => remove.mutate({ id })}
        />
      </div>
      {requested && !recompute.isPending ? (
        <p role="status" className="text-xs text-slate-500">
          Recompute requested{recompute.data?.mode === "in-process" ? " (running in this server)" : " (queued in Inngest)"}.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="max-w-md text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
