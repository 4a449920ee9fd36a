"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";

/** A choice among the live automations (the ones people can be enrolled in), for the enrol actions. */
export function LiveAutomationSelect({
  id,
  value,
  onChange,
  placeholder,
  className,
}: {
  id: string;
  value: string;
  onChange: (id: string) => void;
  placeholder: string;
  className: string;
}) {
  const trpc = useTRPC();
  const automations = useQuery(trpc.automations.list.queryOptions());
  const live = (automations.data ?? []).filter((a) => a.status === "live");
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={className}>
      <option value="">{automations.isLoading ? "Loading…" : live.length ? placeholder : "No live automation"}</option>
      {live.map((a) => (
        <option key={a.id} value={a.id}>
          {a.name}
        </option>
      ))}
    </select>
  );
}
