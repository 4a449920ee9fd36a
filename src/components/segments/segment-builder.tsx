"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { FormProvider, useFieldArray, useForm, useFormContext, useWatch } from "react-hook-form";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { describeCriteriaIssues, MAX_DEPTH, type TCriteria, type TGroup, ZCriteria } from "@/shared/criteria/schema";
import { formatInt } from "@/shared/format";
import { useTRPC } from "@/trpc/react";
import { ConditionEditor, type TBuilderOptions } from "./condition-editor";
import { defaultCondition, emptyCriteria } from "./criteria-defaults";

type TForm = { name: string; description: string; criteria: TGroup };

const MATCH_LABELS = { all: "all of", any: "any of", not: "none of" } as const;

/** Errors by path ("criteria.conditions.1.value" → message), for showing next to the condition. */
function issuesByPath(criteria: unknown): { byPath: Map<string, string>; list: string[] } {
  const parsed = ZCriteria.safeParse(criteria);
  if (parsed.success) return { byPath: new Map(), list: [] };
  const byPath = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    // The condition's path: up to the last "conditions.N".
    const parts = issue.path.map(String);
    let cut = parts.length;
    for (let i = parts.length - 2; i >= 0; i--) {
      if (parts[i] === "conditions") {
        cut = i + 2;
        break;
      }
    }
    const key = ["criteria", ...parts.slice(0, cut)].join(".");
    if (!byPath.has(key)) byPath.set(key, issue.message);
  }
  return { byPath, list: describeCriteriaIssues(parsed.error) };
}

/** A group of conditions at `path` of the surrounding form (segments, and automations' branches, waits, goals and thresholds). */
export function GroupEditor({
  path,
  depth,
  options,
  errors,
  onRemove,
}: {
  path: string;
  depth: number;
  options: TBuilderOptions;
  errors: Map<string, string>;
  onRemove?: () => void;
}) {
  const { control, register } = useFormContext<TForm>();
  const { fields, append, remove } = useFieldArray({ control, name: `${path}.conditions` as "criteria.conditions" });
  const newCondition = () => defaultCondition("plan", { plans: options.plans, segmentIds: options.segments.map((s) => s.id) });
  return (
    <div
      className={`rounded-md border ${depth === 1 ? "border-slate-200 bg-white" : "border-slate-200 bg-slate-50"} p-3`}
      data-testid="criteria-group"
    >
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-700">
        <label className="inline-flex items-center gap-2">
          Users matching
          <select
            {...register(`${path}.match` as "criteria.match")}
            aria-label="Match"
            className={`${inputClass.replace("block w-full", "inline-block")} py-1`}
          >
            {Object.entries(MATCH_LABELS).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          these:
        </label>
        {onRemove ? (
          <button type="button" onClick={onRemove} className="text-xs text-slate-500 hover:text-red-700">
            Remove group
          </button>
        ) : null}
      </div>
      <ul className="space-y-2">
        {fields.map((f, i) => {
          const childPath = `${path}.conditions.${i}`;
          const child = (f as unknown as { type: string }).type;
          return (
            <li key={f.id} className="flex items-start gap-2">
              {child === "group" ? (
                <div className="min-w-0 flex-1">
                  <GroupEditor path={childPath} depth={depth + 1} options={options} errors={errors} onRemove={() => remove(i)} />
                </div>
              ) : (
                <>
                  <ConditionEditor path={childPath} options={options} error={errors.get(childPath)} />
                  <button
                    type="button"
                    aria-label="Remove condition"
                    onClick={() => remove(i)}
                    disabled={fields.length === 1 && depth === 1}
                    className="mt-1.5 rounded px-1.5 text-slate-500 hover:bg-slate-100 hover:text-red-700 disabled:opacity-30"
                  >
                    ✕
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      {errors.get(path) ? <p className="mt-1 text-xs text-red-700">{errors.get(path)}</p> : null}
      <div className="mt-2 flex gap-3 text-sm">
        <button type="button" className="font-medium text-brand-700 hover:underline" onClick={() => append(newCondition() as never)}>
          + Condition
        </button>
        {depth < MAX_DEPTH ? (
          <button
            type="button"
            className="font-medium text-brand-700 hover:underline"
            onClick={() => append({ type: "group", match: "any", conditions: [newCondition()] } as never)}
          >
            + Group
          </button>
        ) : null}
      </div>
    </div>
  );
}

/** The live count: the criteria as they are now, debounced, validated in the browser first. */
function LivePreview({ segmentId }: { segmentId?: string }) {
  const trpc = useTRPC();
  const criteria = useWatch<TForm, "criteria">({ name: "criteria" });
  const json = JSON.stringify(criteria);
  const [debounced, setDebounced] = useState(json);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(json), 400);
    return () => clearTimeout(t);
  }, [json]);
  const parsed = useMemo(() => ZCriteria.safeParse(JSON.parse(debounced)), [debounced]);
  const preview = useQuery({
    ...trpc.segments.preview.queryOptions({ criteria: parsed.success ? parsed.data : emptyCriteria(), segmentId, sampleSize: 8 }),
    enabled: parsed.success,
    placeholderData: (prev) => prev,
  });
  const stale = debounced !== json || preview.isFetching;
  return (
    <Card>
      <CardHeader title="Matching users now" description="Updates as you edit" />
      <div className="p-4" aria-live="polite">
        {!parsed.success ? (
          <div className="text-sm text-amber-800">
            <p className="font-medium">Finish the conditions to see a count:</p>
            <ul className="mt-1 list-disc pl-5">
              {describeCriteriaIssues(parsed.error)
                .slice(0, 5)
                .map((m) => (
                  <li key={m}>{m}</li>
                ))}
            </ul>
          </div>
        ) : preview.isError ? (
          <p role="alert" className="text-sm text-red-700">
            {preview.error.message}
          </p>
        ) : preview.data ? (
          <>
            <p className={`text-3xl font-semibold tabular-nums text-slate-900 ${stale ? "opacity-50" : ""}`} data-testid="preview-count">
              {formatInt(preview.data.count)}
            </p>
            <p className="text-sm text-slate-500">{preview.data.count === 1 ? "user matches" : "users match"}</p>
            {preview.data.sample.length ? (
              <ul className="mt-3 space-y-1 text-sm">
                {preview.data.sample.map((u) => (
                  <li key={u.id} className="truncate">
                    <Link href={`/users/${u.id}`} className="text-slate-700 hover:text-brand-700">
                      {u.name ?? u.email}
                    </Link>{" "}
                    <span className="text-xs text-slate-500">{u.email}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : (
          <p className="text-sm text-slate-500">Counting…</p>
        )}
      </div>
    </Card>
  );
}

/** Create or edit a segment: name, criteria built from groups and conditions, and a live count. */
export function SegmentBuilder({
  options,
  initial,
}: {
  options: TBuilderOptions;
  initial?: { id: string; name: string; description: string | null; criteria: TCriteria };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useForm<TForm>({
    defaultValues: { name: initial?.name ?? "", description: initial?.description ?? "", criteria: initial?.criteria ?? emptyCriteria() },
  });
  const criteria = useWatch({ control: form.control, name: "criteria" });
  const issues = useMemo(() => issuesByPath(criteria), [criteria]);
  const [submitted, setSubmitted] = useState(false);
  const onSaved = (id: string) => router.push(`/segments/${id}`);
  const create = useMutation(trpc.segments.create.mutationOptions({ onSuccess: (s) => onSaved(s.id) }));
  const update = useMutation(trpc.segments.update.mutationOptions({ onSuccess: (s) => onSaved(s.id) }));
  const saving = create.isPending || update.isPending;
  const serverError = create.error?.message ?? update.error?.message;

  const onSubmit = form.handleSubmit((values) => {
    setSubmitted(true);
    const parsed = ZCriteria.safeParse(values.criteria);
    if (!values.name.trim()) form.setError("name", { message: "Name the segment" });
    if (!parsed.success || !values.name.trim()) return;
    const body = { name: values.name, description: values.description, criteria: parsed.data };
    if (initial) update.mutate({ id: initial.id, ...body });
    else create.mutate(body);
  });

  return (
    <FormProvider {...form}>
      <form onSubmit={onSubmit} className="grid min-w-0 gap-6 xl:grid-cols-[minmax(0,1fr)_18rem]" aria-label="Segment">
        <div className="min-w-0 space-y-4">
          <Card className="p-4">
            <div className="grid gap-3 sm:grid-cols-2">
              <div>
                <label htmlFor="segment-name" className="mb-1 block text-xs font-medium text-slate-600">
                  Name
                </label>
                <input
                  id="segment-name"
                  {...form.register("name")}
                  maxLength={100}
                  aria-invalid={Boolean(form.formState.errors.name)}
                  placeholder="Paid users without an assessment in 14 days"
                  className={inputClass}
                />
                {form.formState.errors.name ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.name.message}</p> : null}
              </div>
              <div>
                <label htmlFor="segment-description" className="mb-1 block text-xs font-medium text-slate-600">
                  Description (optional)
                </label>
                <input id="segment-description" {...form.register("description")} maxLength={500} className={inputClass} />
              </div>
            </div>
          </Card>
          <GroupEditor
            path="criteria"
            depth={1}
            options={{ ...options, segments: options.segments.filter((s) => s.id !== initial?.id) }}
            errors={submitted ? issues.byPath : new Map()}
          />
          {submitted && issues.list.length ? (
            <p role="alert" className="text-sm text-red-700">
              Fix the conditions marked above ({issues.list.length}).
            </p>
          ) : null}
          {serverError ? (
            <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
              {serverError}
            </p>
          ) : null}
          <div className="flex gap-2">
            <button type="submit" className={buttonClass.primary} disabled={saving}>
              {saving ? "Saving and computing members…" : initial ? "Save changes" : "Save segment"}
            </button>
            <Link href={initial ? `/segments/${initial.id}` : "/segments"} className={buttonClass.secondary}>
              Cancel
            </Link>
          </div>
        </div>
        <div className="min-w-0 xl:sticky xl:top-4 xl:self-start">
          <LivePreview segmentId={initial?.id} />
        </div>
      </form>
    </FormProvider>
  );
}
