"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { formatDateTime } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

type TKey = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

export function ApiKeysManager({ initialKeys }: { initialKeys: TKey[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery({ ...trpc.messaging.apiKeys.list.queryOptions(), initialData: initialKeys });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.messaging.apiKeys.list.queryKey() });
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.messaging.apiKeys.create.mutationOptions({
      onSuccess: () => {
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.messaging.apiKeys.revoke.mutationOptions({ onSettled: () => void refresh() }));
  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
      <Card className="overflow-hidden">
        <CardHeader title={keys.data.length === 1 ? "1 key" : `${keys.data.length} keys`} />
        {revoke.error ? (
          <p role="alert" className="border-b border-red-100 bg-red-50 px-4 py-2 text-sm text-red-700">
            {revoke.error.message}
          </p>
        ) : null}
        {keys.data.length === 0 ? <p className="px-4 py-6 text-center text-sm text-slate-500">No keys yet</p> : null}
        <ul className="divide-y divide-slate-100">
          {keys.data.map((k) => (
            <li key={k.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
              <div className="min-w-0 text-sm">
                <p className="flex items-center gap-2 font-medium text-slate-900">
                  {k.name} <code className="text-xs text-slate-500">{k.prefix}…</code>{" "}
                  {k.revokedAt ? <Badge tone="red">revoked</Badge> : null}
                </p>
                <p className="text-xs text-slate-500">
                  Created {formatDateTime(k.createdAt)}
                  {k.createdBy ? ` by ${k.createdBy}` : ""} · {k.lastUsedAt ? `last used ${formatDateTime(k.lastUsedAt)}` : "never used"}
                </p>
              </div>
              {!k.revokedAt ? (
                <button
                  type="button"
                  className={buttonClass.danger}
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ id: k.id })}
                >
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      </Card>
      <Card>
        <CardHeader title="Create a key" />
        <form
          className="space-y-3 p-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name });
          }}
        >
          <div>
            <label htmlFor="key-name" className="mb-1.5 block text-sm font-medium text-slate-700">
              Name
            </label>
            <input
              id="key-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={60}
              placeholder="Main app (production)"
              className={inputClass}
            />
          </div>
          {create.error ? (
            <p role="alert" className="text-sm text-red-700">
              {create.error.message}
            </p>
          ) : null}
          <button type="submit" className={`${buttonClass.primary} w-full`} disabled={create.isPending || !name.trim()}>
            {create.isPending ? "Creating…" : "Create key"}
          </button>
          {create.data ? (
            <div role="status" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
              <p className="font-medium">Copy this key now: it is not shown again.</p>
              <code className="mt-1 block break-all rounded bg-white px-2 py-1 text-xs text-slate-900" data-testid="new-api-key">
                {create.data.key}
              </code>
            </div>
          ) : null}
        </form>
      </Card>
    </div>
  );
}
