"use client";

import { useState } from "react";
import { EnrolUsers } from "@/components/automations/enrol-users";
import type { TUserListItem } from "@/server/services/users/list-users";
import type { TUserSort } from "@/shared/users-query";
import { UsersTable } from "./users-table";

/**
 * The users list for admins: rows can be ticked (one by one, or all shown),
 * and the bulk action above acts on the ticked users, or on every user shown
 * when none is ticked. The selection belongs to this page of results: the
 * page keys this component by its query and cursor, so it starts empty on
 * another page or filter.
 */
export function SelectableUsers(props: {
  items: TUserListItem[];
  sort: { sort: TUserSort; dir: "asc" | "desc" };
  query: string;
  now: number;
}) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const toggleAll = () => setSelected((s) => (props.items.every((u) => s.has(u.id)) ? new Set() : new Set(props.items.map((u) => u.id))));
  const ids = selected.size ? props.items.filter((u) => selected.has(u.id)).map((u) => u.id) : props.items.map((u) => u.id);
  const n = ids.length;
  const who = selected.size ? `the ${n} selected ${n === 1 ? "user" : "users"}` : `the ${n} ${n === 1 ? "user" : "users"} shown`;
  return (
    <>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
        <p role="status" aria-live="polite">
          {selected.size ? (
            <>
              <strong className="text-slate-900">{selected.size}</strong> selected ·{" "}
              <button type="button" className="text-brand-700 hover:underline" onClick={() => setSelected(new Set())}>
                Clear selection
              </button>
            </>
          ) : (
            "Tick users to act on some of them, or act on everyone shown."
          )}
        </p>
        <EnrolUsers key={who} userIds={ids} who={who} />
      </div>
      <UsersTable {...props} selection={{ selected, toggle, toggleAll }} />
    </>
  );
}
