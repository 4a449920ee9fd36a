"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { Badge, buttonClass, Card, CardHeader, inputClass } from "@/components/ui/primitives";
import type { TAdminListItem } from "@/server/services/admins/list-admins";
import { formatDateTime } from "@/shared/format";
import { ZInviteAdminInput } from "@/shared/schemas/admins";
import { useTRPC } from "@/trpc/react";

type TInviteForm = z.input<typeof ZInviteAdminInput>;
const ROLES = [
  { value: "viewer", label: "Viewer — reads everything, edits nothing" },
  { value: "admin", label: "Admin — edits users, segments, sends messages" },
  { value: "owner", label: "Owner — also manages admins" },
] as const;

export function AdminsManager({ initialAdmins, currentAdminId }: { initialAdmins: TAdminListItem[]; currentAdminId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const admins = useQuery({ ...trpc.admins.list.queryOptions(), initialData: initialAdmins });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admins.list.queryKey() });

  const form = useForm<TInviteForm>({ resolver: zodResolver(ZInviteAdminInput), defaultValues: { email: "", role: "viewer" } });
  const invite = useMutation(
    trpc.admins.invite.mutationOptions({
      onSuccess: () => {
        form.reset({ email: "", role: form.getValues("role") });
        void refresh();
      },
      onError: (err) => {
        const fieldErrors = err.data?.zodError?.fieldErrors as Record<string, string[] | undefined> | undefined;
        const emailError = fieldErrors?.email?.[0];
        form.setError(emailError ? "email" : "root", { message: emailError ?? err.message });
      },
    }),
  );
  const changeRole = useMutation(trpc.admins.changeRole.mutationOptions({ onSettled: () => void refresh() }));
  const remove = useMutation(trpc.admins.remove.mutationOptions({ onSettled: () => void refresh() }));
  const rowError = changeRole.error?.message ?? remove.error?.message;

  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
      <Card className="overflow-hidden">
        <CardHeader title={admins.data.length === 1 ? "1 admin" : `${admins.data.length} admins`} />
        {rowError ? (
          <p role="alert" className="border-b border-red-100 bg-red-50 px-4 py-2 text-sm text-red-700">
            {rowError}
          </p>
        ) : null}
        <ul className="divide-y divide-slate-100">
          {admins.data.map((a) => (
            <li key={a.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
              <div className="min-w-0">
                <p className="truncate text-sm font-medium text-slate-900">
                  {a.email} {a.id === currentAdminId ? <Badge>you</Badge> : null}
                </p>
                <p className="text-xs text-slate-500">
                  {a.lastSignInAt ? `Last signed in ${formatDateTime(a.lastSignInAt)}` : "Has not signed in yet"}
                </p>
              </div>
              <div className="flex items-center gap-2">
                <label className="sr-only" htmlFor={`role-${a.id}`}>
                  Role of {a.email}
                </label>
                <select
                  id={`role-${a.id}`}
                  value={a.role}
                  disabled={changeRole.isPending}
                  onChange={(e) => changeRole.mutate({ adminId: a.id, role: e.target.value as TAdminListItem["role"] })}
                  className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
                >
                  {ROLES.map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.value}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className={buttonClass.danger}
                  disabled={remove.isPending}
                  onClick={() => {
                    if (window.confirm(`Remove ${a.email}? They will no longer be able to sign in.`)) remove.mutate({ adminId: a.id });
                  }}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      </Card>
      <Card>
        <CardHeader title="Invite an admin" />
        <form
          className="space-y-4 px-4 py-4"
          onSubmit={form.handleSubmit((values) => invite.mutate(ZInviteAdminInput.parse(values)))}
          noValidate
        >
          <div>
            <label htmlFor="invite-email" className="mb-1.5 block text-sm font-medium text-slate-700">
              Email
            </label>
            <input
              id="invite-email"
              type="email"
              className={inputClass}
              aria-invalid={form.formState.errors.email ? true : undefined}
              {...form.register("email")}
            />
            {form.formState.errors.email ? <p className="mt-1 text-sm text-red-600">{form.formState.errors.email.message}</p> : null}
          </div>
          <div>
            <label htmlFor="invite-role" className="mb-1.5 block text-sm font-medium text-slate-700">
              Role
            </label>
            <select id="invite-role" className={inputClass} {...form.register("role")}>
              {ROLES.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
          {form.formState.errors.root ? (
            <p role="alert" className="text-sm text-red-600">
              {form.formState.errors.root.message}
            </p>
          ) : null}
          {invite.isSuccess ? <p className="text-sm text-emerald-700">Invited {invite.data.email}. They can sign in now.</p> : null}
          <button type="submit" className={`${buttonClass.primary} w-full`} disabled={invite.isPending}>
            {invite.isPending ? "Inviting…" : "Invite"}
          </button>
        </form>
      </Card>
    </div>
  );
}
