"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";
import { LiveAutomationSelect } from "./live-automation-select";

/**
 * The users list's bulk action: enrol users by hand in a live automation —
 * the ones ticked, or (none ticked) the users shown on the filtered page.
 * Audited; the automation's re-entry rule says who is kept out, and the
 * answer says how many.
 */
export function EnrolUsers({ userIds, who }: { userIds: string[] /** "the 3 selected users", "the 50 users shown" */; who: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState("");
  const enrol = useMutation(trpc.automations.enrol.mutationOptions());
  if (!userIds.length) return null;
  if (!open)
    return (
      <button type="button" className={buttonClass.secondary} onClick={() => setOpen(true)}>
        Enrol in automation…
      </button>
    );
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-white p-2 text-sm shadow-xs">
      <label htmlFor="enrol-shown" className="text-slate-600">
        Enrol {who} in
      </label>
      <LiveAutomationSelect
        id="enrol-shown"
        value={chosen}
        onChange={setChosen}
        placeholder="Choose a live automation…"
        className={`${inputClass} w-auto`}
      />
      <button
        type="button"
        className={buttonClass.primary}
        disabled={!chosen || enrol.isPending}
        onClick={() => enrol.mutate({ id: chosen, userIds })}
      >
        {enrol.isPending ? "Enrolling…" : "Enrol"}
      </button>
      <button type="button" className="text-xs text-slate-500 hover:text-slate-800" onClick={() => setOpen(false)}>
        Close
      </button>
      {enrol.data ? (
        <p role="status" className="w-full text-xs text-slate-600">
          {enrol.data.enrolled} enrolled
          {enrol.data.notEnrolled.length ? `; ${enrol.data.notEnrolled.length} kept out (already in a run, or its re-entry rule)` : ""}.
        </p>
      ) : null}
      {enrol.error ? (
        <p role="alert" className="w-full text-xs text-red-700">
          {enrol.error.message}
        </p>
      ) : null}
    </div>
  );
}
