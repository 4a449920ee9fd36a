"use client";

import { useRouter } from "next/navigation";
import type { ReactNode } from "react";

/** A table row that opens `href` when clicked anywhere (the name cell holds the real link for keyboards). */
export function ClickableRow({ href, children, selected }: { href: string; children: ReactNode; selected?: boolean }) {
  const router = useRouter();
  return (
    <tr
      className={`cursor-pointer ${selected ? "bg-brand-50 hover:bg-brand-50" : "hover:bg-slate-50"}`}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest("a, button, input, label")) return;
        if (e.metaKey || e.ctrlKey) window.open(href, "_blank");
        else router.push(href);
      }}
    >
      {children}
    </tr>
  );
}
