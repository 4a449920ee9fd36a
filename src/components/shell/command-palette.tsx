"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { NAV } from "./nav-links";

type TResult = { key: string; group: string; label: string; hint?: string; href: string };

/** More places than the sidebar: the palette finds these by name too. */
const PAGES: { href: string; label: string }[] = [
  ...NAV,
  { href: "/segments/new", label: "New segment" },
  { href: "/campaigns/new", label: "New campaign" },
  { href: "/templates/new", label: "New template" },
  { href: "/settings/admins", label: "Settings → Admins" },
  { href: "/settings/api-keys", label: "Settings → API keys" },
  { href: "/settings/suppressions", label: "Settings → Suppressions" },
  { href: "/settings/jobs", label: "Settings → Jobs" },
];

/**
 * Find anything from every page: ⌘K / Ctrl+K (or the sidebar's search
 * button) opens a modal dialog (focus stays inside; Escape closes). Users by
 * id, email or name; segments, campaigns, templates and pages by name.
 * Arrow keys move, Enter opens.
 */
export function CommandPalette({ variant = "sidebar" }: { variant?: "sidebar" | "bar" }) {
  const trpc = useTRPC();
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const query = useDeferredValue(q.trim());

  const open = useCallback(() => {
    dialog.current?.showModal();
    setActive(0);
    requestAnimationFrame(() => input.current?.select());
  }, []);
  const close = useCallback(() => dialog.current?.close(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        if (dialog.current?.open) close();
        else open();
      }
    };
    // One listener: the sidebar's palette on wide screens, the bar's on phones (only the visible one answers).
    const visible = () => (dialog.current?.parentElement?.offsetParent ?? null) !== null;
    const guarded = (e: KeyboardEvent) => {
      if (visible()) onKey(e);
    };
    window.addEventListener("keydown", guarded);
    return () => window.removeEventListener("keydown", guarded);
  }, [open, close]);

  const found = useQuery({
    ...trpc.search.anything.queryOptions({ q: query }),
    enabled: query.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const results: TResult[] = useMemo(() => {
    const lower = query.toLowerCase();
    const pages = PAGES.filter((p) => lower && p.label.toLowerCase().includes(lower)).map((p) => ({
      key: `page:${p.href}`,
      group: "Pages",
      label: p.label,
      href: p.href,
    }));
    const d = query ? found.data : undefined;
    return [
      ...(d?.users ?? []).map((u) => ({
        key: `user:${u.id}`,
        group: "Users",
        label: u.name ?? u.email,
        hint: u.email,
        href: `/users/${u.id}`,
      })),
      ...(d?.moreUsers
        ? [{ key: "user:more", group: "Users", label: `All users matching “${query}”`, href: `/users?q=${encodeURIComponent(query)}` }]
        : []),
      ...(d?.segments ?? []).map((s) => ({ key: `segment:${s.id}`, group: "Segments", label: s.name, href: `/segments/${s.id}` })),
      ...(d?.campaigns ?? []).map((c) => ({
        key: `campaign:${c.id}`,
        group: "Campaigns",
        label: c.name,
        hint: `${c.type === "in_app" ? "in-app" : c.type} · ${c.status}`,
        href: `/campaigns/${c.id}`,
      })),
      ...(d?.templates ?? []).map((t) => ({
        key: `template:${t.id}`,
        group: "Templates",
        label: t.name,
        hint: t.status,
        href: `/templates/${t.id}`,
      })),
      ...pages,
    ];
  }, [found.data, query]);
  const current = Math.min(active, Math.max(0, results.length - 1));

  const go = (r: TResult | undefined) => {
    if (!r) return;
    close();
    setQ("");
    router.push(r.href);
  };

  return (
    <>
      <button
        type="button"
        onClick={open}
        className={
          variant === "sidebar"
            ? "flex w-full items-center justify-between rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-50"
            : "rounded-md px-2 py-1.5 text-sm text-slate-600"
        }
        aria-keyshortcuts="Control+K Meta+K"
      >
        <span>Search…</span>
        {variant === "sidebar" ? <kbd className="text-xs text-slate-500">Ctrl K</kbd> : null}
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click's keyboard equivalent is Escape, which the dialog handles natively */}
      <dialog
        ref={dialog}
        aria-label="Find anything"
        className="m-0 mx-auto mt-[10vh] w-[min(40rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-0 shadow-xl backdrop:bg-slate-900/30"
        onClose={() => setQ("")}
        onClick={(e) => {
          if (e.target === dialog.current) close(); // a click on the backdrop
        }}
      >
        <div className="border-b border-slate-200 p-3">
          <label htmlFor={`${listId}-q`} className="sr-only">
            Find a user, segment, campaign, template or page
          </label>
          <input
            ref={input}
            id={`${listId}-q`}
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setActive(0);
            }}
            onKeyDown={(e) => {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                setActive((i) => Math.min(i + 1, results.length - 1));
              } else if (e.key === "ArrowUp") {
                e.preventDefault();
                setActive((i) => Math.max(i - 1, 0));
              } else if (e.key === "Enter") {
                e.preventDefault();
                go(results[current]);
              }
            }}
            role="combobox"
            aria-expanded={results.length > 0}
            aria-controls={`${listId}-list`}
            aria-activedescendant={results[current] ? `${listId}-${current}` : undefined}
            aria-autocomplete="list"
            maxLength={200}
            placeholder="Find a user (email, name or id), segment, campaign, template or page"
            className="w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-200"
          />
        </div>
        <div className="max-h-[60vh] overflow-auto p-2">
          {!query ? (
            <p className="px-2 py-3 text-sm text-slate-500">Type to search. ↑ ↓ to move, Enter to open, Esc to close.</p>
          ) : found.isError ? (
            <p role="alert" className="px-2 py-3 text-sm text-red-700">
              {found.error.message}
            </p>
          ) : results.length === 0 && !found.isFetching ? (
            <p className="px-2 py-3 text-sm text-slate-500" data-testid="palette-empty">
              Nothing matches “{query}”.{found.data?.usersNeedMore ? " Users are found from 3 characters, or by their id." : ""}
            </p>
          ) : (
            <div id={`${listId}-list`} role="listbox" aria-label="Results" aria-busy={found.isFetching} data-testid="palette-results">
              {results.map((r, i) => (
                <div key={r.key} role="presentation">
                  {i === 0 || results[i - 1]?.group !== r.group ? (
                    <p className="px-2 pb-1 pt-2 text-xs font-medium uppercase tracking-wide text-slate-500">{r.group}</p>
                  ) : null}
                  <div
                    id={`${listId}-${i}`}
                    role="option"
                    tabIndex={-1}
                    aria-selected={i === current}
                    onMouseEnter={() => setActive(i)}
                    onClick={() => go(r)}
                    onKeyDown={(e) => {
                      if (e.key === "Enter") go(r);
                    }}
                    className={`flex cursor-pointer items-center justify-between gap-3 rounded-md px-2 py-1.5 text-sm ${
                      i === current ? "bg-brand-50 text-brand-800" : "text-slate-800"
                    }`}
                  >
                    <span className="min-w-0 truncate">{r.label}</span>
                    {r.hint ? <span className="shrink-0 truncate text-xs text-slate-600">{r.hint}</span> : null}
                  </div>
                </div>
              ))}
            </div>
          )}
        </div>
      </dialog>
    </>
  );
}
