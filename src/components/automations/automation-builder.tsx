"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import { Controller, FormProvider, type Resolver, useFieldArray, useForm, useFormContext, useWatch } from "react-hook-form";
import { z } from "zod";
import type { TBuilderOptions } from "@/components/segments/condition-editor";
import { emptyCriteria } from "@/components/segments/criteria-defaults";
import { GroupEditor } from "@/components/segments/segment-builder";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { PRIORITIES } from "@/shared/enums";
import {
  flattenSteps,
  MAX_BRANCH_DEPTH,
  type TAutomationDefinition,
  type TStep,
  type TStepType,
  ZAutomationDefinition,
  ZAutomationName,
} from "@/shared/schemas/automations";
import { useTRPC } from "@/trpc/react";
import { describeStep, STEP_LABELS, TRIGGER_LABELS } from "./labels";

export type TAutomationOptions = TBuilderOptions & { templates: { id: string; name: string }[]; pushConfigured: boolean };

const ZForm = z.object({ name: ZAutomationName, description: z.string().trim().max(500), definition: ZAutomationDefinition });
type TForm = { name: string; description: string; definition: TAutomationDefinition };

const small = `${inputClass.replace("block w-full", "inline-block")} py-1.5`;
const HOURS = Array.from({ length: 24 }, (_, h) => h);
const newId = () => `s${Math.random().toString(36).slice(2, 8)}`;

/** A fresh step of a kind, with what it needs to be valid except its content. */
function newStep(type: TStepType): TStep {
  const id = newId();
  switch (type) {
    case "wait":
      return { id, type, minutes: 24 * 60 };
    case "wait_window":
      return { id, type, fromHour: 9, toHour: 18, weekdaysOnly: true };
    case "wait_until":
      return { id, type, criteria: emptyCriteria(), maxDays: 3 };
    case "branch":
      return { id, type, criteria: emptyCriteria(), yes: [], no: [] };
    case "send_email":
      return { id, type, templateId: "" };
    case "send_in_app":
      return { id, type, subject: "", content: "" };
    case "send_push":
      return { id, type, title: "", content: "", url: "" };
    case "tags":
      return { id, type, add: [], remove: [] };
    case "priority":
      return { id, type, priority: "high" };
    case "notify_admins":
      return { id, type, message: "", email: false };
    case "exit":
      return { id, type };
  }
}

/** Zod issues by their dotted path, for showing each next to its field. */
function issueAt(errors: Map<string, string>, path: string): string | undefined {
  for (const [k, v] of errors) if (k === path || k.startsWith(`${path}.`)) return v;
  return undefined;
}

function Field({ label, children, error, wide }: { label: string; children: ReactNode; error?: string; wide?: boolean }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the children
    <label className={`block ${wide ? "sm:col-span-2" : ""}`}>
      <span className="mb-1 block text-xs font-medium text-slate-600">{label}</span>
      {children}
      {error ? <span className="mt-1 block text-xs text-red-700">{error}</span> : null}
    </label>
  );
}

/** "Wait 2 days": an amount and a unit over the stored minutes. */
function DurationInput({ path, label }: { path: string; label: string }) {
  const { setValue } = useFormContext();
  const minutes = Number(useWatch({ name: path }) ?? 0);
  const unit = minutes % 1440 === 0 ? 1440 : minutes % 60 === 0 ? 60 : 1;
  const [chosen, setChosen] = useState(unit);
  const amount = Math.round((minutes / chosen) * 100) / 100;
  return (
    <span className="inline-flex items-center gap-2">
      <input
        type="number"
        min={1}
        aria-label={`${label} amount`}
        value={Number.isFinite(amount) ? amount : ""}
        onChange={(e) => setValue(path, Math.round(Number(e.target.value) * chosen), { shouldDirty: true })}
        className={`${small} w-24`}
      />
      <select
        aria-label={`${label} unit`}
        value={chosen}
        onChange={(e) => {
          const next = Number(e.target.value);
          setChosen(next);
          setValue(path, Math.round(amount * next), { shouldDirty: true });
        }}
        className={small}
      >
        <option value={1}>minutes</option>
        <option value={60}>hours</option>
        <option value={1440}>days</option>
      </select>
    </span>
  );
}

/** A comma-separated list over a string array. */
function ListInput({ path, label, placeholder }: { path: string; label: string; placeholder?: string }) {
  const { control } = useFormContext();
  return (
    <Controller
      control={control}
      name={path}
      render={({ field }) => (
        <input
          aria-label={label}
          defaultValue={((field.value as string[]) ?? []).join(", ")}
          onChange={(e) =>
            field.onChange(
              e.target.value
                .split(",")
                .map((t) => t.trim())
                .filter(Boolean),
            )
          }
          placeholder={placeholder}
          className={inputClass}
        />
      )}
    />
  );
}

function StepFields({
  path,
  step,
  options,
  errors,
  depth,
}: {
  path: string;
  step: TStep;
  options: TAutomationOptions;
  errors: Map<string, string>;
  depth: number;
}) {
  const { register } = useFormContext();
  const err = (f: string) => issueAt(errors, `${path}.${f}`);
  switch (step.type) {
    case "wait":
      return (
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          Wait <DurationInput path={`${path}.minutes`} label="Wait" />
        </p>
      );
    case "wait_window":
      return (
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          Wait until between
          <select aria-label="From hour" {...register(`${path}.fromHour`, { valueAsNumber: true })} className={small}>
            {HOURS.map((h) => (
              <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
            ))}
          </select>
          and
          <select aria-label="To hour" {...register(`${path}.toHour`, { valueAsNumber: true })} className={small}>
            {HOURS.map((h) => (
              <option key={h} value={h}>{`${String(h).padStart(2, "0")}:00`}</option>
            ))}
          </select>
          <label className="inline-flex items-center gap-1">
            <input type="checkbox" {...register(`${path}.weekdaysOnly`)} /> weekdays only
          </label>
          <span className="text-xs text-slate-500">(in the automation's time zone)</span>
          {err("toHour") ? <span className="w-full text-xs text-red-700">{err("toHour")}</span> : null}
        </div>
      );
    case "wait_until":
      return (
        <div className="space-y-2 text-sm text-slate-700">
          <p>Wait until users match:</p>
          <GroupEditor path={`${path}.criteria`} depth={2} options={options} errors={new Map()} />
          <p className="flex flex-wrap items-center gap-2">
            or at most
            <input
              type="number"
              min={1}
              max={365}
              aria-label="At most days"
              {...register(`${path}.maxDays`, { valueAsNumber: true })}
              className={`${small} w-20`}
            />
            days, then go on.
          </p>
          {err("criteria") ? <p className="text-xs text-red-700">{err("criteria")}</p> : null}
        </div>
      );
    case "branch":
      return (
        <div className="space-y-3 text-sm text-slate-700">
          <BranchCondition path={path} step={step} options={options} err={err} />
          <div className="grid gap-3 lg:grid-cols-2">
            {(["yes", "no"] as const).map((arm) => (
              <div key={arm} className="rounded-md border border-dashed border-slate-300 p-2">
                <p className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{arm === "yes" ? "Yes" : "No"}</p>
                <StepList path={`${path}.${arm}`} options={options} errors={errors} depth={depth + 1} />
              </div>
            ))}
          </div>
        </div>
      );
    case "send_email":
      return (
        <Field label="Email template" error={err("templateId")}>
          <select {...register(`${path}.templateId`)} className={inputClass} aria-invalid={Boolean(err("templateId"))}>
            <option value="">Choose a template…</option>
            {options.templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          <span className="mt-1 block text-xs text-slate-500">
            Marketing email: unsubscribed addresses are skipped; it counts toward the email cap.
          </span>
        </Field>
      );
    case "send_in_app":
      return (
        <div className="grid gap-2 sm:grid-cols-2">
          <Field label="Title (optional)" error={err("subject")}>
            <input {...register(`${path}.subject`)} maxLength={200} className={inputClass} />
          </Field>
          <Field label="Message" error={err("content")} wide>
            <textarea
              {...register(`${path}.content`)}
              rows={2}
              maxLength={10_000}
              className={inputClass}
              aria-invalid={Boolean(err("content"))}
            />
          </Field>
        </div>
      );
    case "send_push":
      return (
        <div className="grid gap-2 sm:grid-cols-2">
          {!options.pushConfigured ? (
            <p className="text-xs text-amber-800 sm:col-span-2">
              Push is not configured on this server: the automation cannot be turned on with this step.
            </p>
          ) : null}
          <Field label="Title" error={err("title")}>
            <input {...register(`${path}.title`)} maxLength={100} className={inputClass} aria-invalid={Boolean(err("title"))} />
          </Field>
          <Field label="Link (optional)" error={err("url")}>
            <input {...register(`${path}.url`)} placeholder="/intensive" className={inputClass} />
          </Field>
          <Field label="Text" error={err("content")} wide>
            <textarea
              {...register(`${path}.content`)}
              rows={2}
              maxLength={500}
              className={inputClass}
              aria-invalid={Boolean(err("content"))}
            />
          </Field>
        </div>
      );
    case "tags":
      return (
        <div className="grid gap-2 sm:grid-cols-2">
          <Field label="Add tags" error={err("add")}>
            <ListInput path={`${path}.add`} label="Add tags" placeholder="welcomed, onboarding" />
          </Field>
          <Field label="Remove tags">
            <ListInput path={`${path}.remove`} label="Remove tags" />
          </Field>
        </div>
      );
    case "priority":
      return (
        <Controller
          name={`${path}.priority`}
          render={({ field }) => (
            <label className="flex items-center gap-2 text-sm text-slate-700">
              Set priority to
              <select value={field.value ?? ""} onChange={(e) => field.onChange(e.target.value || null)} className={small}>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
                <option value="">none</option>
              </select>
            </label>
          )}
        />
      );
    case "notify_admins":
      return (
        <div className="space-y-2">
          <Field label="What admins should know" error={err("message")}>
            <input {...register(`${path}.message`)} maxLength={500} className={inputClass} aria-invalid={Boolean(err("message"))} />
          </Field>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" {...register(`${path}.email`)} /> Also email owners and admins
          </label>
        </div>
      );
    case "exit":
      return <p className="text-sm text-slate-600">The run ends here.</p>;
  }
}

/** A branch decides on the person (criteria) or on what they did with an earlier message of this flow. */
function BranchCondition({
  path,
  step,
  options,
  err,
}: {
  path: string;
  step: Extract<TStep, { type: "branch" }>;
  options: TAutomationOptions;
  err: (f: string) => string | undefined;
}) {
  const { setValue, register } = useFormContext();
  const all = (useWatch({ name: "definition.steps" }) ?? []) as TStep[];
  const flat = flattenSteps(all);
  const at = flat.findIndex((x) => x.step.id === step.id);
  const earlier = flat.slice(0, Math.max(0, at)).filter((x) => x.step.type.startsWith("send_"));
  return (
    <>
      <label className="flex flex-wrap items-center gap-2">
        Decide on
        <select
          aria-label="Decide on"
          value={step.message ? "message" : "criteria"}
          onChange={(e) =>
            setValue(
              `${path}.message`,
              e.target.value === "message" ? { stepId: earlier[earlier.length - 1]?.step.id ?? "", action: "opened" } : undefined,
              {
                shouldDirty: true,
              },
            )
          }
          className={small}
        >
          <option value="criteria">who the person is and what they did</option>
          <option value="message">an earlier message of this automation</option>
        </select>
      </label>
      {step.message ? (
        <p className="flex flex-wrap items-center gap-2">
          Yes if they
          <select aria-label="Action" {...register(`${path}.message.action`)} className={small}>
            <option value="opened">opened (or read)</option>
            <option value="clicked">clicked</option>
          </select>
          <select aria-label="Earlier message" {...register(`${path}.message.stepId`)} className={small}>
            <option value="">Choose a message…</option>
            {earlier.map((x) => (
              <option key={x.step.id} value={x.step.id}>
                {describeStep(x.step, (id) => options.templates.find((t) => t.id === id)?.name)}
              </option>
            ))}
          </select>
          {err("message") ? <span className="w-full text-xs text-red-700">{err("message")}</span> : null}
        </p>
      ) : (
        <>
          <p>If users match:</p>
          <GroupEditor path={`${path}.criteria`} depth={2} options={options} errors={new Map()} />
          {err("criteria") ? <p className="text-xs text-red-700">{err("criteria")}</p> : null}
        </>
      )}
    </>
  );
}

const ADDABLE: TStepType[] = [
  "send_email",
  "send_in_app",
  "send_push",
  "wait",
  "wait_window",
  "wait_until",
  "branch",
  "tags",
  "priority",
  "notify_admins",
  "exit",
];

function AddStep({ onAdd, depth, label }: { onAdd: (t: TStepType) => void; depth: number; label: string }) {
  return (
    <select
      aria-label={label}
      value=""
      onChange={(e) => e.target.value && onAdd(e.target.value as TStepType)}
      className={`${small} text-brand-700`}
    >
      <option value="">+ Add a step…</option>
      {ADDABLE.filter((t) => t !== "branch" || depth < MAX_BRANCH_DEPTH).map((t) => (
        <option key={t} value={t}>
          {STEP_LABELS[t]}
        </option>
      ))}
    </select>
  );
}

/** A vertical flow: the steps at `path`, each a card, with moves, removal and "add a step" at the end. */
function StepList({
  path,
  options,
  errors,
  depth,
}: {
  path: string;
  options: TAutomationOptions;
  errors: Map<string, string>;
  depth: number;
}) {
  const { control } = useFormContext();
  const { fields, append, remove, move } = useFieldArray({ control, name: path, keyName: "key" });
  const steps = (useWatch({ name: path }) ?? []) as TStep[];
  return (
    <div className="space-y-2">
      {fields.length === 0 ? <p className="text-xs text-slate-500">No steps: the run goes on after the branch.</p> : null}
      <ol className="space-y-2">
        {fields.map((f, i) => {
          const step = steps[i];
          if (!step) return null;
          const at = `${path}.${i}`;
          const problem = issueAt(errors, at);
          return (
            <li
              key={f.key}
              className={`rounded-md border ${problem ? "border-red-300" : "border-slate-200"} bg-white p-3`}
              data-testid="automation-step"
            >
              <div className="mb-2 flex items-center justify-between gap-2">
                <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">
                  {i + 1}. {STEP_LABELS[step.type]}
                </span>
                <span className="flex gap-1 text-xs">
                  <button
                    type="button"
                    className="rounded px-1.5 text-slate-500 hover:bg-slate-100 disabled:opacity-30"
                    disabled={i === 0}
                    onClick={() => move(i, i - 1)}
                    aria-label={`Move step ${i + 1} up`}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="rounded px-1.5 text-slate-500 hover:bg-slate-100 disabled:opacity-30"
                    disabled={i === fields.length - 1}
                    onClick={() => move(i, i + 1)}
                    aria-label={`Move step ${i + 1} down`}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="rounded px-1.5 text-slate-500 hover:bg-slate-100 hover:text-red-700"
                    onClick={() => remove(i)}
                    aria-label={`Remove step ${i + 1}`}
                  >
                    ✕
                  </button>
                </span>
              </div>
              <StepFields path={at} step={step} options={options} errors={errors} depth={depth} />
              {problem &&
              !["send_email", "send_in_app", "send_push", "notify_admins", "branch", "wait_until", "tags", "wait_window"].includes(
                step.type,
              ) ? (
                <p className="mt-1 text-xs text-red-700">{problem}</p>
              ) : null}
            </li>
          );
        })}
      </ol>
      <AddStep depth={depth} onAdd={(t) => append(newStep(t) as never)} label={depth === 0 ? "Add a step" : "Add a step to this branch"} />
    </div>
  );
}

function TriggerFields({ options, errors }: { options: TAutomationOptions; errors: Map<string, string> }) {
  const { register, setValue } = useFormContext<TForm>();
  const trigger = useWatch<TForm, "definition.trigger">({ name: "definition.trigger" });
  const reentry = useWatch<TForm, "definition.reentry">({ name: "definition.reentry" });
  const setKind = (kind: TAutomationDefinition["trigger"]["kind"]) => {
    const next: TAutomationDefinition["trigger"] =
      kind === "segment_entered" || kind === "segment_left"
        ? { kind, segmentId: options.segments[0]?.id ?? "" }
        : kind === "source_event"
          ? { kind, source: "signed_up" }
          : kind === "days_after_signup" || kind === "days_before_renewal"
            ? { kind, days: 3 }
            : kind === "criteria"
              ? { kind, criteria: emptyCriteria() }
              : { kind: "manual" };
    setValue("definition.trigger", next, { shouldDirty: true });
  };
  return (
    <div className="space-y-3 p-4">
      <Field label="Starts when">
        <select
          value={trigger.kind}
          onChange={(e) => setKind(e.target.value as TAutomationDefinition["trigger"]["kind"])}
          className={inputClass}
          aria-label="Trigger"
        >
          {Object.entries(TRIGGER_LABELS).map(([k, l]) => (
            <option key={k} value={k}>
              {l}
            </option>
          ))}
        </select>
      </Field>
      {trigger.kind === "segment_entered" || trigger.kind === "segment_left" ? (
        <Field label="Segment" error={issueAt(errors, "definition.trigger.segmentId")}>
          <select {...register("definition.trigger.segmentId")} className={inputClass}>
            <option value="">Choose a segment…</option>
            {options.segments.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {trigger.kind === "source_event" ? (
        <div className="grid gap-2 sm:grid-cols-2">
          <Field label="In the app">
            <select {...register("definition.trigger.source")} className={inputClass}>
              <option value="signed_up">A user signs up</option>
              <option value="event">An event happens</option>
              <option value="subscription_canceled">A subscription is canceled</option>
              <option value="payment_failed">A payment fails</option>
            </select>
          </Field>
          {trigger.source === "event" ? (
            <Field label="Event name" error={issueAt(errors, "definition.trigger.eventName")}>
              <input
                {...register("definition.trigger.eventName")}
                list="automation-events"
                placeholder="intensive.started"
                className={inputClass}
              />
            </Field>
          ) : null}
        </div>
      ) : null}
      {trigger.kind === "days_after_signup" ? (
        <p className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="number"
            min={1}
            max={365}
            aria-label="Days after signing up"
            {...register("definition.trigger.days", { valueAsNumber: true })}
            className={`${small} w-20`}
          />
          days after signing up
        </p>
      ) : null}
      {trigger.kind === "days_before_renewal" ? (
        <p className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="number"
            min={1}
            max={365}
            aria-label="Days before a renewal"
            {...register("definition.trigger.days", { valueAsNumber: true })}
            className={`${small} w-20`}
          />
          days before an active subscription renews (monthly or yearly from its start)
        </p>
      ) : null}
      {trigger.kind === "criteria" ? (
        <div className="space-y-1">
          <p className="text-sm text-slate-700">Users who match (checked every 10 minutes):</p>
          <GroupEditor path="definition.trigger.criteria" depth={1} options={options} errors={new Map()} />
        </div>
      ) : null}
      {trigger.kind === "manual" ? (
        <p className="text-sm text-slate-600">Admins enrol people from a profile or a selection in the users list.</p>
      ) : null}
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        A person may start again
        <select
          aria-label="Re-entry"
          value={reentry.mode}
          onChange={(e) =>
            setValue(
              "definition.reentry",
              e.target.value === "every_n_days"
                ? { mode: "every_n_days", days: 30 }
                : ({ mode: e.target.value } as TAutomationDefinition["reentry"]),
              { shouldDirty: true },
            )
          }
          className={small}
        >
          <option value="once">never (once ever)</option>
          <option value="every_n_days">at most once per…</option>
          <option value="every_time">every time (not while in a run)</option>
        </select>
        {reentry.mode === "every_n_days" ? (
          <>
            <input
              type="number"
              min={1}
              max={365}
              aria-label="Re-entry days"
              {...register("definition.reentry.days", { valueAsNumber: true })}
              className={`${small} w-20`}
            />{" "}
            days
          </>
        ) : null}
      </div>
      {issueAt(errors, "definition.reentry") ? <p className="text-xs text-red-700">{issueAt(errors, "definition.reentry")}</p> : null}
    </div>
  );
}

function GoalFields({ options, errors }: { options: TAutomationOptions; errors: Map<string, string> }) {
  const { register, setValue } = useFormContext<TForm>();
  const goal = useWatch<TForm, "definition.goal">({ name: "definition.goal" });
  const trigger = useWatch<TForm, "definition.trigger.kind">({ name: "definition.trigger.kind" });
  return (
    <div className="space-y-3 p-4 text-sm text-slate-700">
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          checked={goal !== null}
          onChange={(e) => {
            setValue("definition.goal", e.target.checked ? { criteria: emptyCriteria(), withinDays: 14 } : null, { shouldDirty: true });
            if (!e.target.checked) {
              setValue("definition.controlPercent", 0);
              setValue("definition.exitWhen.goalReached", false);
            }
          }}
        />
        Measure a goal
      </label>
      {goal ? (
        <>
          <GroupEditor path="definition.goal.criteria" depth={1} options={options} errors={new Map()} />
          <p className="flex items-center gap-2">
            reached within
            <input
              type="number"
              min={1}
              max={365}
              aria-label="Goal days"
              {...register("definition.goal.withinDays", { valueAsNumber: true })}
              className={`${small} w-20`}
            />
            days of entering
          </p>
          <p className="flex flex-wrap items-center gap-2">
            Control group:
            <input
              type="number"
              min={0}
              max={50}
              aria-label="Control group percent"
              {...register("definition.controlPercent", { valueAsNumber: true })}
              className={`${small} w-20`}
            />
            % of enrolments walk the flow but receive nothing, so the lift is measured.
          </p>
        </>
      ) : null}
      {issueAt(errors, "definition.controlPercent") ? (
        <p className="text-xs text-red-700">{issueAt(errors, "definition.controlPercent")}</p>
      ) : null}
      <fieldset className="space-y-1">
        <legend className="mb-1 text-xs font-medium text-slate-600">A run ends early when the person</legend>
        <label className="flex items-center gap-2">
          <input type="checkbox" {...register("definition.exitWhen.goalReached")} disabled={!goal} /> reaches the goal
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" {...register("definition.exitWhen.leftSegment")} disabled={trigger !== "segment_entered"} /> leaves the
          trigger's segment
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" {...register("definition.exitWhen.unsubscribed")} /> unsubscribes from email
        </label>
      </fieldset>
      <div className="grid gap-2 sm:grid-cols-2">
        <Field label="Time zone (local-time windows)" error={issueAt(errors, "definition.timeZone")}>
          <input {...register("definition.timeZone")} className={inputClass} placeholder="Europe/Berlin" />
        </Field>
        <Field label="A message held by a cap or quiet hours">
          <select {...register("definition.whenCapped")} className={inputClass}>
            <option value="wait">waits for the next allowed time</option>
            <option value="skip">is skipped</option>
          </select>
        </Field>
      </div>
    </div>
  );
}

/** Create or edit an automation: trigger, the vertical flow with branches, goal and exits; checked with the server's schema. */
export function AutomationBuilder({
  options,
  initial,
}: {
  options: TAutomationOptions;
  initial: { id?: string; revision?: number; name: string; description: string; definition: TAutomationDefinition; live?: boolean };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useForm<TForm>({
    defaultValues: { name: initial.name, description: initial.description, definition: initial.definition },
    resolver: zodResolver(ZForm) as unknown as Resolver<TForm>,
  });
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const onSaved = (id: string) => {
    router.push(`/automations/${id}`);
    router.refresh();
  };
  const create = useMutation(trpc.automations.create.mutationOptions({ onSuccess: (a) => onSaved(a.id) }));
  const update = useMutation(trpc.automations.update.mutationOptions({ onSuccess: (a) => onSaved(a.id) }));
  const saving = create.isPending || update.isPending;
  const serverError = create.error?.message ?? update.error?.message;

  const onSubmit = form.handleSubmit(
    (values) => {
      setErrors(new Map());
      if (initial.id && initial.revision) update.mutate({ id: initial.id, baseRevision: initial.revision, ...values });
      else create.mutate(values);
    },
    () => {
      const parsed = ZForm.safeParse(form.getValues());
      const map = new Map<string, string>();
      for (const issue of parsed.error?.issues ?? []) {
        const key = issue.path.map(String).join(".");
        if (!map.has(key)) map.set(key, issue.message);
      }
      setErrors(map);
    },
  );
  const issues = [...errors.entries()];

  return (
    <FormProvider {...form}>
      <form onSubmit={onSubmit} className="min-w-0 space-y-4" aria-label="Automation" noValidate>
        <datalist id="automation-events">
          {["assessment.completed", "vision.generated", "intensive.started", "intensive.step_completed", "intensive.completed"].map((e) => (
            <option key={e} value={e} />
          ))}
        </datalist>
        <Card className="p-4">
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label="Name" error={form.formState.errors.name?.message ?? errors.get("name")}>
              <input {...form.register("name")} maxLength={120} className={inputClass} aria-invalid={Boolean(errors.get("name"))} />
            </Field>
            <Field label="Description (optional)">
              <input {...form.register("description")} maxLength={500} className={inputClass} />
            </Field>
          </div>
        </Card>
        <Card>
          <CardHeader title="Trigger" description="What enrols a person, and whether they can start again." />
          <TriggerFields options={options} errors={errors} />
        </Card>
        <Card>
          <CardHeader title="Steps" description="Top to bottom; a branch splits the flow and joins it again after." />
          <div className="p-4">
            <StepList path="definition.steps" options={options} errors={errors} depth={0} />
            {errors.get("definition.steps") ? <p className="mt-2 text-xs text-red-700">{errors.get("definition.steps")}</p> : null}
          </div>
        </Card>
        <Card>
          <CardHeader title="Goal and exits" description="What success looks like, and when a run stops early." />
          <GoalFields options={options} errors={errors} />
        </Card>
        {issues.length ? (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            <p className="font-medium">Fix {issues.length === 1 ? "this" : `these ${issues.length}`} before saving:</p>
            <ul className="mt-1 list-disc pl-5">
              {issues.slice(0, 8).map(([k, v]) => (
                <li key={k}>{v}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {serverError ? (
          <p role="alert" className="whitespace-pre-line rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {serverError}
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          <button type="submit" className={buttonClass.primary} disabled={saving}>
            {saving ? "Saving…" : initial.live ? "Save and publish a new version" : initial.id ? "Save changes" : "Save automation"}
          </button>
          <Link href={initial.id ? `/automations/${initial.id}` : "/automations"} className={buttonClass.secondary}>
            Cancel
          </Link>
          {initial.live ? <span className="text-xs text-slate-500">Running people finish on the version they started.</span> : null}
        </div>
      </form>
    </FormProvider>
  );
}
