"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { buttonClass, Card, inputClass } from "@/components/ui/primitives";
import { formatInt } from "@/shared/format";
import { PUSH_BODY_MAX, PUSH_ICON_MAX, PUSH_TITLE_MAX, PUSH_URL_MAX } from "@/shared/schemas/push";
import { useTRPC } from "@/trpc/react";

const ZForm = z
  .object({
    name: z.string().trim().min(1, "Name the campaign").max(120),
    type: z.enum(["email", "in_app", "push"]),
    segmentId: z.string().min(1, "Choose a segment"),
    source: z.enum(["template", "own"]),
    templateId: z.string(),
    subject: z.string().max(200),
    content: z.string().max(20_000),
    pushUrl: z.string().max(PUSH_URL_MAX),
    pushIcon: z.string().max(PUSH_ICON_MAX),
  })
  .superRefine((v, ctx) => {
    if (v.type === "push") {
      if (!v.subject.trim()) ctx.addIssue({ code: "custom", path: ["subject"], message: "Give the notification a title" });
      if (v.subject.length > PUSH_TITLE_MAX)
        ctx.addIssue({ code: "custom", path: ["subject"], message: `At most ${PUSH_TITLE_MAX} characters` });
      if (v.content.length > PUSH_BODY_MAX)
        ctx.addIssue({ code: "custom", path: ["content"], message: `At most ${PUSH_BODY_MAX} characters` });
      if (!v.pushUrl.trim()) ctx.addIssue({ code: "custom", path: ["pushUrl"], message: "Say where a click leads, e.g. /intensive" });
    }
    if (v.type === "email" && v.source === "template" && !v.templateId)
      ctx.addIssue({ code: "custom", path: ["templateId"], message: "Choose a template" });
    if (v.type === "email" && v.source === "own" && !v.subject.trim())
      ctx.addIssue({ code: "custom", path: ["subject"], message: "Write a subject" });
    if ((v.type !== "email" || v.source === "own") && !v.content.trim())
      ctx.addIssue({ code: "custom", path: ["content"], message: "Write the message" });
  });
type TForm = z.infer<typeof ZForm>;

/** A new campaign: audience, channel and content, with the number of people it would reach now. */
export function CampaignEditor({
  segments,
  templates,
  initial,
}: {
  segments: { id: string; name: string }[];
  templates: { id: string; name: string; subject: string }[];
  /** A draft to edit; without it the form creates one. */
  initial?: {
    id: string;
    name: string;
    type: "email" | "in_app" | "push";
    segmentId: string | null;
    templateId: string | null;
    subject: string | null;
    content: string;
    pushUrl?: string | null;
    pushIcon?: string | null;
  };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useForm<TForm>({
    resolver: zodResolver(ZForm),
    defaultValues: initial
      ? {
          name: initial.name,
          type: initial.type,
          segmentId: initial.segmentId ?? "",
          source: initial.templateId ? "template" : "own",
          templateId: initial.templateId ?? templates[0]?.id ?? "",
          subject: initial.subject ?? "",
          content: initial.content,
          pushUrl: initial.pushUrl ?? "",
          pushIcon: initial.pushIcon ?? "",
        }
      : {
          name: "",
          type: "email",
          segmentId: segments[0]?.id ?? "",
          source: templates.length ? "template" : "own",
          templateId: templates[0]?.id ?? "",
          subject: "",
          content: "",
          pushUrl: "/",
          pushIcon: "",
        },
  });
  const [type, segmentId, source, title, text] = useWatch({
    control: form.control,
    name: ["type", "segmentId", "source", "subject", "content"],
  });
  const pushStatus = useQuery(trpc.messaging.push.status.queryOptions());
  const pushOff = type === "push" && pushStatus.data?.configured === false;
  const audience = useQuery({
    ...trpc.messaging.campaigns.audience.queryOptions({ segmentId, type }),
    enabled: Boolean(segmentId) && !pushOff,
  });
  const create = useMutation(trpc.messaging.campaigns.create.mutationOptions({ onSuccess: (c) => router.push(`/campaigns/${c.id}`) }));
  const update = useMutation(
    trpc.messaging.campaigns.update.mutationOptions({
      onSuccess: (c) => {
        router.push(`/campaigns/${c.id}`);
        router.refresh();
      },
    }),
  );
  const err = (k: keyof TForm) =>
    form.formState.errors[k] ? <p className="mt-1 text-xs text-red-700">{form.formState.errors[k]?.message}</p> : null;

  return (
    <form
      className="grid min-w-0 gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]"
      aria-label="Campaign"
      onSubmit={form.handleSubmit((v) => {
        // The channel of an existing draft is fixed (its select is disabled, so the form leaves it out).
        const kind = initial?.type ?? v.type;
        const fromTemplate = kind === "email" && v.source === "template";
        const body = {
          name: v.name,
          segmentId: v.segmentId,
          templateId: fromTemplate ? v.templateId : null,
          subject: fromTemplate ? undefined : v.subject,
          content: fromTemplate ? undefined : v.content,
          ...(kind === "push" ? { pushUrl: v.pushUrl, pushIcon: v.pushIcon } : {}),
        };
        if (initial) update.mutate({ id: initial.id, ...body });
        else create.mutate({ ...body, type: kind });
      })}
    >
      <Card className="space-y-4 p-4">
        <div>
          <label htmlFor="c-name" className="mb-1 block text-xs font-medium text-slate-600">
            Name
          </label>
          <input id="c-name" {...form.register("name")} className={inputClass} placeholder="December re-engagement" />
          {err("name")}
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <div>
            <label htmlFor="c-type" className="mb-1 block text-xs font-medium text-slate-600">
              Channel
            </label>
            <select id="c-type" {...form.register("type")} disabled={Boolean(initial)} className={inputClass}>
              <option value="email">Email</option>
              <option value="in_app">In-app message</option>
              <option value="push">Push notification</option>
            </select>
            {pushOff ? (
              <p className="mt-1 text-xs text-amber-800" role="status">
                Push is not configured: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT (npm run push:keys).
              </p>
            ) : null}
          </div>
          <div>
            <label htmlFor="c-segment" className="mb-1 block text-xs font-medium text-slate-600">
              Audience (segment)
            </label>
            <select id="c-segment" {...form.register("segmentId")} className={inputClass}>
              {segments.length === 0 ? <option value="">No segments yet: build one first</option> : null}
              {segments.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            {err("segmentId")}
          </div>
        </div>
        {type === "email" ? (
          <fieldset className="flex gap-4 text-sm text-slate-700">
            <legend className="mb-1 text-xs font-medium text-slate-600">Content</legend>
            <label className="inline-flex items-center gap-1.5">
              <input type="radio" value="template" {...form.register("source")} disabled={!templates.length} /> From a template
            </label>
            <label className="inline-flex items-center gap-1.5">
              <input type="radio" value="own" {...form.register("source")} /> Write it here
            </label>
          </fieldset>
        ) : null}
        {type === "email" && source === "template" ? (
          <div>
            <label htmlFor="c-template" className="mb-1 block text-xs font-medium text-slate-600">
              Template (its current version is fixed when sending starts)
            </label>
            <select id="c-template" {...form.register("templateId")} className={inputClass}>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} — {t.subject}
                </option>
              ))}
            </select>
            {err("templateId")}
          </div>
        ) : (
          <>
            {type === "email" || type === "push" ? (
              <div>
                <label htmlFor="c-subject" className="mb-1 block text-xs font-medium text-slate-600">
                  {type === "push" ? `Title (plain text, at most ${PUSH_TITLE_MAX} characters)` : "Subject"}
                </label>
                <input
                  id="c-subject"
                  {...form.register("subject")}
                  className={inputClass}
                  placeholder={
                    type === "push" ? 'A new session, {{user.firstName | "friend"}}' : 'News for you, {{user.firstName | "friend"}}'
                  }
                />
                {err("subject")}
              </div>
            ) : null}
            <div>
              <label htmlFor="c-content" className="mb-1 block text-xs font-medium text-slate-600">
                {type === "email"
                  ? "Message (Markdown and {{variables}}, as in templates)"
                  : type === "push"
                    ? `Text (plain text; {{variables}} as in templates; at most ${PUSH_BODY_MAX} characters)`
                    : "Message (plain text; {{variables}} as in templates)"}
              </label>
              <textarea id="c-content" rows={type === "push" ? 3 : 8} {...form.register("content")} className={inputClass} />
              {err("content")}
            </div>
            {type === "push" ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <div>
                  <label htmlFor="c-push-url" className="mb-1 block text-xs font-medium text-slate-600">
                    A click opens (a path on the app, or an allowed URL)
                  </label>
                  <input id="c-push-url" {...form.register("pushUrl")} className={inputClass} placeholder="/intensive" />
                  {err("pushUrl")}
                </div>
                <div>
                  <label htmlFor="c-push-icon" className="mb-1 block text-xs font-medium text-slate-600">
                    Icon (optional https:// image or path)
                  </label>
                  <input id="c-push-icon" {...form.register("pushIcon")} className={inputClass} placeholder="/icon-192.png" />
                  {err("pushIcon")}
                </div>
              </div>
            ) : null}
            {type === "push" ? (
              <section aria-label="Notification preview" className="rounded-lg border border-slate-200 bg-slate-50 p-3 shadow-sm">
                <p className="text-xs text-slate-500">Preview (variables are filled per person)</p>
                <p className="mt-1 truncate text-sm font-semibold text-slate-900">{title || "Title"}</p>
                <p className="line-clamp-3 text-sm text-slate-700">{text || "The notification's text"}</p>
              </section>
            ) : null}
          </>
        )}
        {create.error || update.error ? (
          <p role="alert" className="text-sm text-red-700">
            {create.error?.message ?? update.error?.message}
          </p>
        ) : null}
        <button type="submit" className={buttonClass.primary} disabled={create.isPending || update.isPending || pushOff}>
          {create.isPending || update.isPending ? "Saving…" : "Save draft and review"}
        </button>
      </Card>
      <Card className="self-start p-4">
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Would reach now</p>
        {pushOff ? (
          <p className="mt-1 text-sm text-slate-500">—</p>
        ) : !segmentId ? (
          <p className="mt-1 text-sm text-slate-600">
            No audience yet.{" "}
            <Link href="/segments/new" className="text-brand-700 underline">
              Build a segment
            </Link>{" "}
            first; the draft can wait.
          </p>
        ) : audience.isError ? (
          <p role="alert" className="mt-1 text-sm text-red-700">
            {audience.error.message}
          </p>
        ) : audience.data ? (
          <>
            <p className="mt-1 text-3xl font-semibold tabular-nums text-slate-900" data-testid="audience-count">
              {formatInt(audience.data.eligible)}
            </p>
            <p className="text-sm text-slate-500">
              of {formatInt(audience.data.members)} members
              {audience.data.suppressed ? `; ${formatInt(audience.data.suppressed)} unsubscribed or suppressed` : ""}
              {type === "push"
                ? `, on ${formatInt(audience.data.devices)} ${audience.data.devices === 1 ? "device" : "devices"}; ${formatInt(audience.data.withoutDevice)} without notifications turned on`
                : ""}
            </p>
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-500">Counting…</p>
        )}
        <p className="mt-3 text-xs text-slate-500">
          The segment is recomputed when sending starts; the review step shows the final number.
        </p>
      </Card>
    </form>
  );
}
