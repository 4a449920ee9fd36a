"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Badge, buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import type { TMetadataValues, TUserMetadata } from "@/server/services/users/get-user-metadata";
import { PRIORITIES } from "@/shared/enums";
import { formatDateTime } from "@/shared/format";
import { ZUpdateUserMetadataInput } from "@/shared/schemas/users";
import { normalizeTag } from "@/shared/text";
import { useTRPC } from "@/trpc/react";

const ZForm = ZUpdateUserMetadataInput.pick({ notes: true }).extend({
  tags: z.array(z.string()).max(30, "At most 30 tags"),
  priority: z.enum(["", ...PRIORITIES]),
});
type TForm = z.infer<typeof ZForm>;
type TMeta = Omit<TUserMetadata, "edits"> & { edits: TUserMetadata["edits"] };

function describe(v: TMetadataValues | null) {
  if (!v) return "";
  const parts: string[] = [];
  if (v.tags !== undefined) parts.push(`tags: ${v.tags.length ? v.tags.join(", ") : "none"}`);
  if (v.priority !== undefined) parts.push(`priority: ${v.priority ?? "none"}`);
  if (v.notes !== undefined)
    parts.push(v.notes ? `notes: “${v.notes.length > 60 ? `${v.notes.slice(0, 60)}…` : v.notes}”` : "notes: cleared");
  return parts.join(" · ");
}

/**
 * Tags, priority and notes of a user. Saves show at once (optimistic) and roll
 * back if the server refuses; a stale edit comes back as a conflict that says
 * who changed it, with a button to load their version.
 */
export function UserCrmPanel({ userId, canEdit, initial }: { userId: string; canEdit: boolean; initial: TMeta }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [meta, setMeta] = useState<TMeta>(initial);
  const [tagDraft, setTagDraft] = useState("");
  const [saved, setSaved] = useState(false);
  const form = useForm<TForm>({
    resolver: zodResolver(ZForm),
    defaultValues: { tags: initial.tags, notes: initial.notes, priority: initial.priority ?? "" },
  });
  const tags = form.watch("tags");
  const suggestions = useQuery({
    ...trpc.users.suggestTags.queryOptions({ prefix: tagDraft, limit: 8 }),
    enabled: canEdit,
    staleTime: 30_000,
  });
  const save = useMutation(
    trpc.users.updateMetadata.mutationOptions({
      onMutate: (vars) => {
        const previous = meta;
        setSaved(false);
        setMeta({ ...meta, tags: vars.tags ?? meta.tags, notes: vars.notes ?? meta.notes, priority: vars.priority ?? null });
        return { previous };
      },
      onError: (_err, _vars, context) => {
        if (context?.previous) setMeta(context.previous);
      },
      onSuccess: (data) => {
        setMeta(data);
        setSaved(true);
        form.reset({ tags: data.tags, notes: data.notes, priority: data.priority ?? "" });
      },
    }),
  );
  const conflict = save.error?.data?.code === "CONFLICT";

  function addTag(raw: string) {
    const t = normalizeTag(raw);
    if (!t) return;
    const parsed = ZUpdateUserMetadataInput.shape.tags.unwrap().element.safeParse(t);
    if (!parsed.success) {
      form.setError("tags", { message: parsed.error.issues[0]?.message ?? "Not a valid tag" });
      return;
    }
    form.clearErrors("tags");
    if (!tags.includes(t)) form.setValue("tags", [...tags, t], { shouldDirty: true });
    setTagDraft("");
  }

  const onSubmit = form.handleSubmit((values) =>
    save.mutate({
      userId,
      expectedVersion: meta.metadataVersion,
      tags: values.tags,
      notes: values.notes ?? "",
      priority: values.priority === "" ? null : values.priority,
    }),
  );

  return (
    <>
      <Card>
        <CardHeader
          title="Tags, priority and notes"
          description={
            meta.metadataUpdatedAt
              ? `Last changed ${formatDateTime(meta.metadataUpdatedAt)}${meta.metadataUpdatedBy ? ` by ${meta.metadataUpdatedBy}` : ""}`
              : "Nothing saved yet"
          }
        />
        {canEdit ? (
          <form onSubmit={onSubmit} className="space-y-4 p-4" aria-label="Edit tags, priority and notes">
            <div>
              <label htmlFor="tag-input" className="mb-1 block text-xs font-medium text-slate-600">
                Tags
              </label>
              <ul className="mb-2 flex flex-wrap gap-1.5" aria-label="Tags">
                {tags.length === 0 ? <li className="text-sm text-slate-500">No tags</li> : null}
                {tags.map((t) => (
                  <li key={t} className="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2 pr-1 text-xs text-slate-700">
                    {t}
                    <button
                      type="button"
                      aria-label={`Remove tag ${t}`}
                      className="rounded-full px-1 text-slate-500 hover:bg-slate-200 hover:text-slate-700"
                      onClick={() =>
                        form.setValue(
                          "tags",
                          tags.filter((x) => x !== t),
                          { shouldDirty: true },
                        )
                      }
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
              <div className="flex gap-1.5">
                <input
                  id="tag-input"
                  list="tag-suggestions"
                  value={tagDraft}
                  maxLength={40}
                  onChange={(e) => setTagDraft(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" || e.key === ",") {
                      e.preventDefault();
                      addTag(tagDraft);
                    }
                  }}
                  placeholder="Add a tag"
                  aria-invalid={Boolean(form.formState.errors.tags)}
                  className={`${inputClass} py-1.5`}
                />
                <button type="button" className={`${buttonClass.secondary} py-1.5`} onClick={() => addTag(tagDraft)}>
                  Add
                </button>
              </div>
              <datalist id="tag-suggestions">
                {(suggestions.data ?? [])
                  .filter((s) => !tags.includes(s.tag))
                  .map((s) => (
                    <option key={s.tag} value={s.tag}>
                      {`${s.users} users`}
                    </option>
                  ))}
              </datalist>
              {form.formState.errors.tags ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.tags.message}</p> : null}
            </div>
            <div>
              <label htmlFor="priority" className="mb-1 block text-xs font-medium text-slate-600">
                Priority
              </label>
              {/* defaultValue too: the server-rendered page shows the saved value before the form hydrates. */}
              <select id="priority" defaultValue={initial.priority ?? ""} {...form.register("priority")} className={`${inputClass} py-1.5`}>
                <option value="">None</option>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="notes" className="mb-1 block text-xs font-medium text-slate-600">
                Notes
              </label>
              <textarea
                id="notes"
                rows={5}
                defaultValue={initial.notes}
                {...form.register("notes")}
                aria-invalid={Boolean(form.formState.errors.notes)}
                className={inputClass}
                placeholder="What the team should know about this user"
              />
              {form.formState.errors.notes ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.notes.message}</p> : null}
            </div>
            {save.error ? (
              <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                <p>{save.error.message}</p>
                {conflict ? (
                  <button type="button" className="mt-1 font-medium underline" onClick={() => router.refresh()}>
                    Load the latest version
                  </button>
                ) : null}
              </div>
            ) : null}
            <div className="flex items-center gap-3">
              <button type="submit" className={buttonClass.primary} disabled={save.isPending || !form.formState.isDirty}>
                {save.isPending ? "Saving…" : "Save"}
              </button>
              {saved && !form.formState.isDirty ? (
                <span role="status" className="text-sm text-emerald-700">
                  Saved
                </span>
              ) : null}
            </div>
          </form>
        ) : (
          <dl className="space-y-3 p-4 text-sm">
            <div>
              <dt className="text-xs font-medium text-slate-600">Tags</dt>
              <dd className="mt-1 flex flex-wrap gap-1.5">
                {meta.tags.length ? meta.tags.map((t) => <Badge key={t}>{t}</Badge>) : "None"}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-600">Priority</dt>
              <dd className="mt-1">{meta.priority ?? "None"}</dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-600">Notes</dt>
              <dd className="mt-1 whitespace-pre-wrap text-slate-700">{meta.notes || "None"}</dd>
            </div>
            <p className="text-xs text-slate-500">Viewers can read these; an admin can change them.</p>
          </dl>
        )}
      </Card>
      <Card>
        <CardHeader title="Edit history" description="Who changed tags, priority and notes" />
        {meta.edits.length === 0 ? (
          <p className="px-4 py-6 text-center text-sm text-slate-500">No edits yet</p>
        ) : (
          <ol className="divide-y divide-slate-100" aria-label="Edit history">
            {meta.edits.map((e) => (
              <li key={e.id} className="px-4 py-2 text-sm">
                <p className="text-xs text-slate-500">
                  {formatDateTime(e.at)} · {e.actorEmail ?? "an admin"}
                </p>
                <p className="text-slate-700">{describe(e.after)}</p>
                <p className="text-xs text-slate-500">was {describe(e.before) || "empty"}</p>
              </li>
            ))}
          </ol>
        )}
      </Card>
    </>
  );
}
