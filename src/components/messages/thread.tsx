"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { Badge, buttonClass, inputClass } from "@/components/ui/primitives";
import type { TMessage } from "@/server/services/messaging/direct-messages";
import { formatDateTime } from "@/shared/format";
import { ZSendMessageInput } from "@/shared/schemas/messaging";
import { useTRPC } from "@/trpc/react";

type TForm = z.input<typeof ZSendMessageInput>;
const STATUS_TONE = { queued: "amber", sent: "slate", delivered: "slate", read: "green", failed: "red" } as const;

/** One conversation, oldest first, with a composer; opening it marks the user's replies read. */
export function Thread({
  userId,
  initial,
  canSend,
  userEmail,
}: {
  userId: string;
  initial: TMessage[];
  canSend: boolean;
  userEmail: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const key = trpc.messaging.directMessages.conversation.queryKey({ userId });
  const thread = useQuery({
    ...trpc.messaging.directMessages.conversation.queryOptions({ userId }),
    initialData: initial,
    refetchInterval: 20_000,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: trpc.messaging.directMessages.unreadCount.queryKey() });
  };
  const markRead = useMutation(trpc.messaging.directMessages.markAsRead.mutationOptions({ onSuccess: refresh }));
  const unreadIds = thread.data.filter((m) => m.direction === "inbound" && !m.readAt).map((m) => m.id);
  const unreadKey = unreadIds.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the set of unread replies changes
  useEffect(() => {
    if (!canSend) return;
    for (const id of unreadKey ? unreadKey.split(",") : []) markRead.mutate({ messageId: id });
  }, [unreadKey, canSend]);

  const form = useForm<TForm>({
    resolver: zodResolver(ZSendMessageInput),
    defaultValues: { userId, subject: "", content: "", channels: ["in_app"] },
  });
  const channels = form.watch("channels");
  const pushStatus = useQuery(trpc.messaging.push.status.queryOptions());
  const devices = useQuery({
    ...trpc.messaging.push.devices.queryOptions({ userId }),
    enabled: canSend && pushStatus.data?.configured === true,
  });
  const deviceCount = devices.data?.length ?? 0;
  const pushNote =
    pushStatus.data?.configured === false
      ? "push is not configured"
      : devices.data && deviceCount === 0
        ? "no device has notifications turned on"
        : null;
  const send = useMutation(
    trpc.messaging.directMessages.send.mutationOptions({
      onSuccess: () => {
        form.reset({ userId, subject: "", content: "", pushUrl: "", channels: form.getValues("channels") });
        refresh();
        router.refresh(); // the conversation list beside the thread
      },
      onError: (err) => form.setError("root", { message: err.message }),
    }),
  );
  const end = useRef<HTMLLIElement>(null);
  const count = thread.data.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a message is added
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [count]);

  return (
    <div className="flex min-h-0 flex-col rounded-lg border border-slate-200 bg-white shadow-xs">
      <ol className="max-h-[60vh] min-h-40 space-y-3 overflow-auto p-4" aria-label="Conversation" data-testid="thread">
        {thread.data.length === 0 ? (
          <li className="py-8 text-center text-sm text-slate-500">No messages yet. Write the first one below.</li>
        ) : null}
        {thread.data.map((m) => (
          <li key={m.id} className={`flex ${m.direction === "outbound" ? "justify-end" : "justify-start"}`}>
            <div
              className={`max-w-[85%] rounded-lg px-3 py-2 text-sm ${m.direction === "outbound" ? "bg-brand-50 text-slate-800" : "bg-slate-100 text-slate-800"}`}
            >
              {m.subject ? <p className="font-medium">{m.subject}</p> : null}
              <p className="whitespace-pre-wrap">{m.content}</p>
              <p className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
                <span>{m.direction === "outbound" ? (m.fromAdminEmail ?? "CRM") : "User"}</span>·<span>{formatDateTime(m.createdAt)}</span>·
                <span>{m.channel === "email" ? "email" : m.channel === "push" ? "push" : "in-app"}</span>
                {m.direction === "outbound" ? <Badge tone={STATUS_TONE[m.status]}>{m.status}</Badge> : null}
                {m.campaignId ? <span>· campaign</span> : null}
                {m.openedAt ? <span data-testid="opened-at">· opened {formatDateTime(m.openedAt)}</span> : null}
                {m.clickedAt ? <span>· clicked {formatDateTime(m.clickedAt)}</span> : null}
              </p>
              {m.error ? <p className="mt-1 text-xs text-red-700">{m.error}</p> : null}
            </div>
          </li>
        ))}
        <li ref={end} aria-hidden className="h-0" />
      </ol>
      {canSend ? (
        <form
          onSubmit={form.handleSubmit((v) => send.mutate(v))}
          className="space-y-2 border-t border-slate-100 p-3"
          aria-label="Write a message"
        >
          <fieldset className="flex flex-wrap items-center gap-4 text-sm text-slate-700">
            <legend className="sr-only">Send as</legend>
            <label className="inline-flex items-center gap-1.5">
              <input type="checkbox" value="in_app" {...form.register("channels")} className="rounded border-slate-300" /> In-app
            </label>
            <label className="inline-flex items-center gap-1.5">
              <input type="checkbox" value="email" {...form.register("channels")} className="rounded border-slate-300" /> Email to{" "}
              {userEmail}
            </label>
            <label className="inline-flex items-center gap-1.5">
              <input
                type="checkbox"
                value="push"
                {...form.register("channels")}
                disabled={Boolean(pushNote) || !devices.data}
                className="rounded border-slate-300"
              />{" "}
              Push{deviceCount ? ` to ${deviceCount} ${deviceCount === 1 ? "device" : "devices"}` : ""}
              {pushNote ? <span className="text-xs text-slate-500">({pushNote})</span> : null}
            </label>
          </fieldset>
          {channels?.includes("email") || channels?.includes("push") ? (
            <div>
              <label htmlFor="msg-subject" className="sr-only">
                {channels?.includes("push") ? "Subject (the notification's title)" : "Subject"}
              </label>
              <input
                id="msg-subject"
                placeholder={channels?.includes("push") ? "Subject (the notification's title)" : "Subject"}
                {...form.register("subject")}
                aria-invalid={Boolean(form.formState.errors.subject)}
                className={inputClass}
              />
              {form.formState.errors.subject ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.subject.message}</p> : null}
            </div>
          ) : null}
          {channels?.includes("push") ? (
            <div>
              <label htmlFor="msg-push-url" className="sr-only">
                A click on the notification opens
              </label>
              <input
                id="msg-push-url"
                placeholder="A click opens… (a path such as /intensive; the app's home when blank)"
                {...form.register("pushUrl")}
                aria-invalid={Boolean(form.formState.errors.pushUrl)}
                className={inputClass}
              />
              {form.formState.errors.pushUrl ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.pushUrl.message}</p> : null}
            </div>
          ) : null}
          <div>
            <label htmlFor="msg-content" className="sr-only">
              Message
            </label>
            <textarea
              id="msg-content"
              rows={3}
              placeholder="Write a message"
              {...form.register("content")}
              aria-invalid={Boolean(form.formState.errors.content)}
              className={inputClass}
            />
            {form.formState.errors.content ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.content.message}</p> : null}
            {form.formState.errors.channels ? <p className="mt-1 text-xs text-red-700">{form.formState.errors.channels.message}</p> : null}
          </div>
          {form.formState.errors.root ? (
            <p role="alert" className="text-sm text-red-700">
              {form.formState.errors.root.message}
            </p>
          ) : null}
          <button type="submit" className={buttonClass.primary} disabled={send.isPending}>
            {send.isPending ? "Sending…" : "Send"}
          </button>
        </form>
      ) : (
        <p className="border-t border-slate-100 p-3 text-sm text-slate-500">Viewers can read conversations; an admin can reply.</p>
      )}
    </div>
  );
}
