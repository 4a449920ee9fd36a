"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { PRESETS } from "./presets";

/** Presets and a custom range, kept in the URL. */
export function RangePicker({ preset, from, to }: { preset: number | null; from: string; to: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [custom, setCustom] = useState(preset === null);
  const go = (next: Record<string, string | null>) => {
    const q = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(next)) {
      if (v === null) q.delete(k);
      else q.set(k, v);
    }
    router.push(`${pathname}?${q.toString()}`);
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      <fieldset className="inline-flex rounded-md border border-slate-300 bg-white p-0.5 text-sm shadow-xs">
        <legend className="sr-only">Date range</legend>
        {PRESETS.map((n) => (
          <button
            key={n}
            type="button"
            aria-pressed={preset === n && !custom}
            onClick={() => {
              setCustom(false);
              go({ range: `${n}d`, from: null, to: null });
            }}
            className={`rounded px-2.5 py-1 font-medium ${preset === n && !custom ? "bg-brand-600 text-white" : "text-slate-600 hover:bg-slate-100"}`}
          >
            {n}d
          </button>
        ))}
        <button
          type="button"
          aria-pressed={custom}
          onClick={() => setCustom(true)}
          className={`rounded px-2.5 py-1 font-medium ${custom ? "bg-brand-600 text-white" : "text-slate-600 hover:bg-slate-100"}`}
        >
          Custom
        </button>
      </fieldset>
      {custom ? (
        <form
          className="flex items-center gap-1.5"
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            go({ range: null, from: String(data.get("from")), to: String(data.get("to")) });
          }}
        >
          <label className="sr-only" htmlFor="range-from">
            From
          </label>
          <input
            id="range-from"
            name="from"
            type="date"
            defaultValue={from}
            required
            className="rounded-md border border-slate-300 px-2 py-1 text-sm"
          />
          <span className="text-slate-500">–</span>
          <label className="sr-only" htmlFor="range-to">
            To
          </label>
          <input
            id="range-to"
            name="to"
            type="date"
            defaultValue={to}
            required
            className="rounded-md border border-slate-300 px-2 py-1 text-sm"
          />
          <button
            type="submit"
            className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-700 hover:bg-slate-50"
          >
            Apply
          </button>
        </form>
      ) : null}
    </div>
  );
}
