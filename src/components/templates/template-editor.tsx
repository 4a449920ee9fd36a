"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import { TEMPLATE_VARIABLES } from "@/shared/templates/parse-template";
import { useTRPC } from "@/trpc/react";

const ZForm = z.object({
  name: z.string().trim().min(1, "Name the template").max(100),
  description: z.string().max(300),
  subject: z.string().trim().min(1, "Write a subject").max(200),
  body: z.string().min(1, "Write the message").max(20_000),
});
type TForm = z.infer<typeof ZForm>;

const STARTER = `# Hi {{user.firstName | "there"}}

Your **{{user.plan}}** plan is ready for this week's vision.

- Take the 5-minute check-in
- Listen to today's guided audio

[Open VibrationFit](https://vibrationfit.com)`;

/** Reader picker: sample data, or a real user found by name or email. */
export function ReaderPicker({
  value,
  onChange,
  label = "Preview for",
}: {
  value: { id: string; label: string } | null;
  onChange: (v: { id: string; label: string } | null) => void;
  label?: string;
}) {
  const trpc = useTRPC();
  const [term, setTerm] = useState("");
  const found = useQuery({ ...trpc.users.list.queryOptions({ filters: { search: term }, limit: 6 }), enabled: term.trim().length >= 2 });
  return (
    <div className="relative">
      <label htmlFor={`reader-${label}`} className="mb-1 block text-xs font-medium text-slate-600">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          id={`reader-${label}`}
          value={value ? value.label : term}
          onChange={(e) => {
            onChange(null);
            setTerm(e.target.value);
          }}
          placeholder={label === "Preview for" ? "Sample reader (Alex Rivera) — type to pick a real user" : "Type a name or email"}
          className={`${inputClass} py-1.5`}
        />
        {value ? (
          <button type="button" className="text-xs text-slate-500 hover:text-slate-900" onClick={() => onChange(null)}>
            Use sample
          </button>
        ) : null}
      </div>
      {!value && term.trim().length >= 2 && found.data?.items.length ? (
        <ul className="absolute z-10 mt-1 w-full rounded-md border border-slate-200 bg-white shadow-lg" aria-label="Matching users">
          {found.data.items.map((u) => (
            <li key={u.id}>
              <button
                type="button"
                className="block w-full truncate px-3 py-1.5 text-left text-sm hover:bg-slate-50"
                onClick={() => {
                  onChange({ id: u.id, label: `${u.name ?? u.email} <${u.email}>` });
                  setTerm("");
                }}
              >
                {u.name ?? u.email} <span className="text-xs text-slate-500">{u.email}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * Write a template: subject and Markdown body with merge variables, a live
 * preview (sandboxed iframe, desktop or phone width) for sample data or a real
 * user, problems shown as you type, and "send test to me".
 */
export function TemplateEditor({
  initial,
  canEdit,
}: {
  initial?: { id: string; name: string; description: string | null; subject: string; body: string; currentVersion: number; status: string };
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useForm<TForm>({
    resolver: zodResolver(ZForm),
    defaultValues: {
      name: initial?.name ?? "",
      description: initial?.description ?? "",
      subject: initial?.subject ?? "",
      body: initial?.body ?? STARTER,
    },
  });
  const [subject, body] = useWatch({ control: form.control, name: ["subject", "body"] });
  const [draft, setDraft] = useState({ subject, body });
  useEffect(() => {
    const t = setTimeout(() => setDraft({ subject, body }), 300);
    return () => clearTimeout(t);
  }, [subject, body]);
  const [reader, setReader] = useState<{ id: string; label: string } | null>(null);
  const [width, setWidth] = useState<"desktop" | "phone">("desktop");
  const preview = useQuery({
    ...trpc.messaging.templates.preview.queryOptions({ draft, userId: reader?.id }),
    placeholderData: (prev) => prev,
  });

  const onSaved = (id: string) => {
    router.push(`/templates/${id}`);
    router.refresh();
  };
  const create = useMutation(trpc.messaging.templates.create.mutationOptions({ onSuccess: (t) => onSaved(t.id) }));
  const update = useMutation(trpc.messaging.templates.update.mutationOptions({ onSuccess: (t) => onSaved(t.id) }));
  const sendTest = useMutation(trpc.messaging.templates.sendTest.mutationOptions());
  const serverError = create.error?.message ?? update.error?.message;
  const problems = preview.data?.problems ?? [];

  const onSubmit = form.handleSubmit((v) => {
    if (initial)
      update.mutate({
        id: initial.id,
        name: v.name,
        description: v.description,
        subject: v.subject,
        body: v.body,
        baseVersion: initial.currentVersion,
      });
    else create.mutate({ name: v.name, description: v.description || undefined, subject: v.subject, body: v.body });
  });

  return (
    <form onSubmit={onSubmit} className="grid min-w-0 gap-6 xl:grid-cols-2" aria-label="Template">
      <div className="min-w-0 space-y-4">
        <Card className="space-y-3 p-4">
          <div className="grid gap-3 sm:grid-cols-2">
            <div>
              <label htmlFor="tpl-name" className="mb-1 block text-xs font-medium text-slate-600">
                Name
              </label>
              <input id="tpl-name" {...form.register("name")} disabled={!canEdit} className={inputClass} placeholder="Weekly check-in" />
              {form.formState.errors.name ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.name.message}</p> : null}
            </div>
            <div>
              <label htmlFor="tpl-description" className="mb-1 block text-xs font-medium text-slate-600">
                Description (optional)
              </label>
              <input id="tpl-description" {...form.register("description")} disabled={!canEdit} className={inputClass} />
            </div>
          </div>
          <div>
            <label htmlFor="tpl-subject" className="mb-1 block text-xs font-medium text-slate-600">
              Subject
            </label>
            <input
              id="tpl-subject"
              {...form.register("subject")}
              disabled={!canEdit}
              className={inputClass}
              placeholder={'Your week, {{user.firstName | "friend"}}'}
            />
            {form.formState.errors.subject ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.subject.message}</p> : null}
          </div>
          <div>
            <label htmlFor="tpl-body" className="mb-1 block text-xs font-medium text-slate-600">
              Body (Markdown)
            </label>
            <textarea
              id="tpl-body"
              rows={16}
              {...form.register("body")}
              disabled={!canEdit}
              className={`${inputClass} font-mono text-[13px]`}
            />
            {form.formState.errors.body ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.body.message}</p> : null}
          </div>
          {problems.length ? (
            <ul
              role="alert"
              className="list-disc rounded-md border border-amber-200 bg-amber-50 py-2 pl-7 pr-3 text-sm text-amber-900"
              data-testid="template-problems"
            >
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
          <details className="text-sm text-slate-600">
            <summary className="cursor-pointer font-medium text-slate-700">Variables and formatting</summary>
            <ul className="mt-2 space-y-1">
              {Object.entries(TEMPLATE_VARIABLES).map(([k, v]) => (
                <li key={k}>
                  <code className="rounded bg-slate-100 px-1 text-xs">{`{{${k}}}`}</code> {v}
                </li>
              ))}
            </ul>
            <p className="mt-2">
              Add a fallback with <code className="rounded bg-slate-100 px-1 text-xs">{'{{user.firstName | "there"}}'}</code>. Formatting:{" "}
              <code># heading</code>, <code>**bold**</code>, <code>*italic*</code>, <code>- list item</code>, <code>[text](https://…)</code>
              . The footer with the postal address and unsubscribe link is added to every email.
            </p>
          </details>
        </Card>
        {serverError ? (
          <p role="alert" className="whitespace-pre-line rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {serverError}
          </p>
        ) : null}
        {canEdit ? (
          <div className="flex flex-wrap items-center gap-2">
            <button type="submit" className={buttonClass.primary} disabled={create.isPending || update.isPending || problems.length > 0}>
              {initial ? "Save as a new version" : "Save template"}
            </button>
            <button
              type="button"
              className={buttonClass.secondary}
              disabled={sendTest.isPending || problems.length > 0}
              onClick={() => sendTest.mutate({ draft: { subject: form.getValues("subject"), body: form.getValues("body") } })}
            >
              {sendTest.isPending ? "Sending…" : "Send test to me"}
            </button>
            {sendTest.isSuccess ? (
              <span role="status" className="text-sm text-emerald-700">
                Test on its way to {sendTest.data.to}
              </span>
            ) : null}
            {sendTest.error ? (
              <span role="alert" className="text-sm text-red-700">
                {sendTest.error.message}
              </span>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="min-w-0 space-y-3">
        <Card>
          <CardHeader
            title="Preview"
            description={preview.data ? `Subject: ${preview.data.subject}` : "Rendering…"}
            actions={
              <fieldset className="flex rounded-md border border-slate-200 text-xs">
                <legend className="sr-only">Preview width</legend>
                {(["desktop", "phone"] as const).map((w) => (
                  <button
                    key={w}
                    type="button"
                    aria-pressed={width === w}
                    onClick={() => setWidth(w)}
                    className={`px-2 py-1 ${width === w ? "bg-slate-100 font-medium text-slate-900" : "text-slate-500"}`}
                  >
                    {w}
                  </button>
                ))}
              </fieldset>
            }
          />
          <div className="space-y-3 p-3">
            <ReaderPicker value={reader} onChange={setReader} />
            {preview.isError ? (
              <p role="alert" className="text-sm text-red-700">
                {preview.error.message}
              </p>
            ) : null}
            <div className="overflow-auto rounded-md border border-slate-200 bg-slate-50 p-2">
              {/* sandbox with no permissions: the preview can run no script and reach nothing. */}
              <iframe
                title="Email preview"
                sandbox=""
                srcDoc={preview.data?.html ?? ""}
                className="mx-auto block h-[640px] bg-white"
                style={{ width: width === "desktop" ? 640 : 375, maxWidth: "100%" }}
              />
            </div>
          </div>
        </Card>
      </div>
    </form>
  );
}
