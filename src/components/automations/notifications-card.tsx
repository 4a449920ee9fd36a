"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { buttonClass, Card, CardHeader } from "@/components/ui/primitives";
import { formatAgo } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

/** What "notify admins" steps raised: unread first; shown only when there is something. */
export function NotificationsCard({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery({ ...trpc.automations.notifications.queryOptions({ limit: 10 }), refetchInterval: 30_000 });
  const mark = useMutation(
    trpc.automations.markNotificationsRead.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.automations.notifications.queryKey({ limit: 10 }) }),
    }),
  );
  if (!list.data?.items.length) return null;
  const now = Date.now();
  return (
    <Card className="mb-6">
      <CardHeader
        title={`Notifications${list.data.unread ? ` (${list.data.unread} unread)` : ""}`}
        description="Raised by automations' “notify admins” steps"
        actions={
          canEdit && list.data.unread ? (
            <button type="button" className={buttonClass.secondary} disabled={mark.isPending} onClick={() => mark.mutate()}>
              Mark all read
            </button>
          ) : null
        }
      />
      <ul className="divide-y divide-slate-100" data-testid="automation-notifications">
        {list.data.items.map((n) => (
          <li key={n.id} className={`px-4 py-2 text-sm ${n.readAt ? "text-slate-500" : "text-slate-800"}`}>
            <span className="flex justify-between gap-2">
              <span className={n.readAt ? "" : "font-medium"}>{n.title}</span>
              <span className="shrink-0 text-xs text-slate-500">{formatAgo(n.at, now)}</span>
            </span>
            <span className="block">
              {n.body}
              {n.userId ? (
                <>
                  {" "}
                  <Link href={`/users/${n.userId}`} className="text-brand-700 underline">
                    Open {n.userEmail ?? "the user"}
                  </Link>
                </>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
      {mark.error ? (
        <p role="alert" className="px-4 pb-3 text-sm text-red-700">
          {mark.error.message}
        </p>
      ) : null}
    </Card>
  );
}
