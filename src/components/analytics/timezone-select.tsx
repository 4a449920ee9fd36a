"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo } from "react";
import { useTRPC } from "@/trpc/react";

/** The admin's dashboard timezone, remembered on their account. */
export function TimezoneSelect({ timezone }: { timezone: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const zones = useMemo(() => {
    const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    return ["UTC", ...all.filter((z) => z !== "UTC")];
  }, []);
  const save = useMutation(trpc.admins.setTimezone.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <span className="inline-flex items-center gap-1.5">
      <label htmlFor="tz" className="text-xs text-slate-500">
        Timezone
      </label>
      <select
        id="tz"
        value={save.isPending ? save.variables?.timezone : timezone}
        disabled={save.isPending}
        onChange={(e) => save.mutate({ timezone: e.target.value })}
        className="max-w-[11rem] rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {zones.includes(timezone) ? null : <option value={timezone}>{timezone}</option>}
        {zones.map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
      {save.error ? (
        <span role="alert" className="text-xs text-red-600">
          {save.error.message}
        </span>
      ) : null}
    </span>
  );
}
