"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { type TMessagingRules, ZMessagingRules } from "@/shared/schemas/messaging-rules";
import { useTRPC } from "@/trpc/react";

const small = `${inputClass.replace("block w-full", "inline-block")} py-1.5`;
const CHANNELS = [
  ["email", "Marketing emails"],
  ["push", "Push notifications"],
  ["in_app", "In-app messages"],
] as const;
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** Caps per channel (at most N per D days) and quiet hours, validated with the server's schema. */
export function MessagingRulesForm({ initial, canEdit }: { initial: TMessagingRules; canEdit: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [rules, setRules] = useState<TMessagingRules>(initial);
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.automations.setRules.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        router.refresh();
      },
    }),
  );
  const parsed = ZMessagingRules.safeParse(rules);
  const change = (next: TMessagingRules) => {
    setSaved(false);
    setRules(next);
  };
  return (
    <form
      className="grid gap-6 lg:grid-cols-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (parsed.success) save.mutate(parsed.data);
      }}
    >
      <Card>
        <CardHeader
          title="Frequency caps"
          description="Counted per person over a rolling window, across campaigns and automations. A campaign leaves out members already at the cap."
        />
        <fieldset disabled={!canEdit} className="space-y-3 p-4 text-sm text-slate-700">
          {CHANNELS.map(([channel, label]) => {
            const cap = rules.caps[channel];
            return (
              <div key={channel} className="flex flex-wrap items-center gap-2">
                <label className="inline-flex min-w-44 items-center gap-2">
                  <input
                    type="checkbox"
                    checked={cap !== null}
                    onChange={(e) =>
                      change({ ...rules, caps: { ...rules.caps, [channel]: e.target.checked ? { max: 3, days: 7 } : null } })
                    }
                  />
                  {label}
                </label>
                {cap ? (
                  <>
                    at most
                    <input
                      type="number"
                      min={1}
                      max={100}
                      aria-label={`${label}: at most`}
                      value={cap.max}
                      onChange={(e) => change({ ...rules, caps: { ...rules.caps, [channel]: { ...cap, max: Number(e.target.value) } } })}
                      className={`${small} w-20`}
                    />
                    per
                    <input
                      type="number"
                      min={1}
                      max={90}
                      aria-label={`${label}: days`}
                      value={cap.days}
                      onChange={(e) => change({ ...rules, caps: { ...rules.caps, [channel]: { ...cap, days: Number(e.target.value) } } })}
                      className={`${small} w-20`}
                    />
                    days
                  </>
                ) : (
                  <span className="text-slate-500">no cap</span>
                )}
              </div>
            );
          })}
        </fieldset>
      </Card>
      <Card>
        <CardHeader
          title="Quiet hours"
          description="No automation or campaign email or push in these hours (a campaign starts when they end); in-app messages wait in the app anyway."
        />
        <fieldset disabled={!canEdit} className="space-y-3 p-4 text-sm text-slate-700">
          <label className="flex items-center gap-2">
            <input
              type="checkbox"
              checked={rules.quietHours !== null}
              onChange={(e) => change({ ...rules, quietHours: e.target.checked ? { fromHour: 21, toHour: 8, timeZone: "UTC" } : null })}
            />
            Keep quiet hours
          </label>
          {rules.quietHours ? (
            <div className="flex flex-wrap items-center gap-2">
              from
              <select
                aria-label="Quiet from"
                value={rules.quietHours.fromHour}
                onChange={(e) =>
                  rules.quietHours && change({ ...rules, quietHours: { ...rules.quietHours, fromHour: Number(e.target.value) } })
                }
                className={small}
              >
                {HOURS.map((h) => (
                  <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
                ))}
              </select>
              to
              <select
                aria-label="Quiet until"
                value={rules.quietHours.toHour}
                onChange={(e) =>
                  rules.quietHours && change({ ...rules, quietHours: { ...rules.quietHours, toHour: Number(e.target.value) } })
                }
                className={small}
              >
                {HOURS.map((h) => (
                  <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
                ))}
              </select>
              in
              <input
                aria-label="Quiet hours time zone"
                value={rules.quietHours.timeZone}
                onChange={(e) => rules.quietHours && change({ ...rules, quietHours: { ...rules.quietHours, timeZone: e.target.value } })}
                className={`${small} w-48`}
              />
            </div>
          ) : null}
          <p className="text-xs text-slate-500">
            The main app does not store users' time zones, so quiet hours are kept in this one zone for everyone.
          </p>
        </fieldset>
      </Card>
      {canEdit ? (
        <div className="flex flex-wrap items-center gap-3 lg:col-span-2">
          <button type="submit" className={buttonClass.primary} disabled={!parsed.success || save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
          {!parsed.success ? <p className="text-sm text-red-700">{parsed.error.issues[0]?.message}</p> : null}
          {save.error ? (
            <p role="alert" className="text-sm text-red-700">
              {save.error.message}
            </p>
          ) : null}
          {saved ? (
            <p role="status" className="text-sm text-slate-600">
              Saved. Automations use these from their next step.
            </p>
          ) : null}
        </div>
      ) : (
        <p className="text-sm text-slate-500 lg:col-span-2">Viewers can read these rules; an admin changes them.</p>
      )}
    </form>
  );
}
