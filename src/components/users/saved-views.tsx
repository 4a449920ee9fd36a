"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";

type TView = { id: string; name: string; query: string };

/** The signed-in admin's saved list views: open one, save the current one, delete. */
export function SavedViews({ views, currentQuery }: { views: TView[]; currentQuery: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const nameInput = useRef<HTMLInputElement>(null);
  // The admin just asked to name the view: put the cursor there.
  useEffect(() => {
    if (naming) nameInput.current?.focus();
  }, [naming]);
  const create = useMutation(
    trpc.users.savedViews.create.mutationOptions({
      onSuccess: () => {
        setNaming(false);
        setName("");
        router.refresh();
      },
    }),
  );
  const remove = useMutation(trpc.users.savedViews.delete.mutationOptions({ onSuccess: () => router.refresh() }));
  const error = create.error?.message ?? remove.error?.message;

  return (
    <aside aria-label="Saved views" className="rounded-lg border border-slate-200 bg-white p-3 shadow-xs lg:w-64">
      <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">Saved views</h2>
      {views.length === 0 ? <p className="mt-1 text-sm text-slate-500">None yet. Filter the list, then save it here.</p> : null}
      <ul className="mt-1 space-y-0.5">
        {views.map((v) => (
          <li key={v.id} className="group flex items-center justify-between gap-2">
            <Link
              href={`/users${v.query ? `?${v.query}` : ""}`}
              className={`truncate text-sm hover:text-brand-700 ${v.query === currentQuery ? "font-medium text-brand-700" : "text-slate-700"}`}
            >
              {v.name}
            </Link>
            <button
              type="button"
              aria-label={`Delete view ${v.name}`}
              className="text-xs text-slate-500 hover:text-red-700"
              disabled={remove.isPending}
              onClick={() => remove.mutate({ id: v.id })}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      {naming ? (
        <form
          className="mt-2 flex gap-1.5"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, query: currentQuery });
          }}
        >
          <input
            ref={nameInput}
            aria-label="View name"
            value={name}
            maxLength={60}
            onChange={(e) => setName(e.target.value)}
            placeholder="Name"
            className={`${inputClass} py-1.5`}
          />
          <button type="submit" className={`${buttonClass.primary} py-1.5`} disabled={create.isPending || !name.trim()}>
            Save
          </button>
        </form>
      ) : (
        <button type="button" className="mt-2 text-sm font-medium text-brand-700 hover:underline" onClick={() => setNaming(true)}>
          Save this view
        </button>
      )}
      {error ? (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </aside>
  );
}
