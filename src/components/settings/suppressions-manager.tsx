"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, buttonClass, Card, inputClass } from "@/components/ui/primitives";
import type { TSuppressionReason } from "@/shared/enums";
import { formatDateTime } from "@/shared/format";
import { useTRPC } from "@/trpc/react";

type TRow = { email: string; reason: TSuppressionReason; createdAt: Date; userId: string | null };

export function SuppressionsManager({ initial, canEdit }: { initial: TRow[]; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [email, setEmail] = useState("");
  const list = useQuery({
    ...trpc.messaging.suppressions.list.queryOptions({ search: search || undefined }),
    placeholderData: (p) => p ?? initial,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.messaging.suppressions.list.queryKey() });
  const add = useMutation(
    trpc.messaging.suppressions.add.mutationOptions({
      onSuccess: () => {
        setEmail("");
        void refresh();
      },
    }),
  );
  const remove = useMutation(trpc.messaging.suppressions.remove.mutationOptions({ onSuccess: () => void refresh() }));
  const rows = list.data ?? initial;
  return (
    <Card>
      <div className="flex flex-col gap-2 border-b border-slate-100 p-3 sm:flex-row">
        <label htmlFor="sup-search" className="sr-only">
          Search
        </label>
        <input
          id="sup-search"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search addresses"
          className={`${inputClass} py-1.5`}
        />
        {canEdit ? (
          <form
            className="flex gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              add.mutate({ email });
            }}
          >
            <label htmlFor="sup-add" className="sr-only">
              Address to suppress
            </label>
            <input
              id="sup-add"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="name@example.com"
              className={`${inputClass} py-1.5`}
            />
            <button type="submit" className={buttonClass.secondary} disabled={!email || add.isPending}>
              Suppress
            </button>
          </form>
        ) : null}
      </div>
      {add.error || remove.error ? (
        <p role="alert" className="px-4 py-2 text-sm text-red-700">
          {add.error?.message ?? remove.error?.message}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="px-4 py-8 text-center text-sm text-slate-500">
          {search ? "No suppressed address matches." : "No suppressed addresses."}
        </p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {rows.map((r) => (
            <li key={r.email} className="flex items-center justify-between gap-2 px-4 py-2 text-sm">
              <span className="min-w-0">
                <span className="block truncate text-slate-800">{r.email}</span>
                <span className="text-xs text-slate-500">{formatDateTime(r.createdAt)}</span>
              </span>
              <span className="flex items-center gap-2">
                <Badge tone={r.reason === "unsubscribed" ? "slate" : r.reason === "manual" ? "brand" : "red"}>
                  {r.reason === "provider" ? "provider list" : r.reason}
                </Badge>
                {canEdit ? (
                  <button
                    type="button"
                    className="text-xs text-slate-500 hover:text-red-700"
                    onClick={() => remove.mutate({ email: r.email })}
                  >
                    Remove
                  </button>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
