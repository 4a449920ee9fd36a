import type { ReactNode } from "react";
import { signOutAction } from "@/app/(auth)/sign-in/actions";
import { Badge } from "@/components/ui/primitives";
import { CommandPalette } from "./command-palette";
import { MobileNav } from "./mobile-nav";
import { NavLinks } from "./nav-links";

type Props = { admin: { email: string; name?: string | null; role: string }; children: ReactNode };

function Brand() {
  return (
    <div className="flex items-center gap-2">
      <span className="grid h-7 w-7 place-items-center rounded-md bg-brand-600 text-xs font-bold text-white">VF</span>
      <span className="text-sm font-semibold text-slate-900">VibrationFit CRM</span>
    </div>
  );
}

function SignedInAdmin({ admin }: Pick<Props, "admin">) {
  return (
    <div className="flex items-center justify-between gap-2">
      <div className="min-w-0">
        <p className="truncate text-sm font-medium text-slate-900" title={admin.email}>
          {admin.name || admin.email}
        </p>
        <p className="flex items-center gap-1.5 truncate text-xs text-slate-500">
          <Badge tone={admin.role === "viewer" ? "slate" : "brand"}>{admin.role}</Badge>
        </p>
      </div>
      <form action={signOutAction}>
        <button type="submit" className="rounded-md px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
          Sign out
        </button>
      </form>
    </div>
  );
}

/** Sidebar on wide screens, a top bar with a menu on phones. */
export function AppShell({ admin, children }: Props) {
  return (
    <div className="min-h-screen lg:flex">
      {/* The column runs the page's full height (its border and background with it); the sidebar inside stays in view. */}
      <div className="hidden w-60 shrink-0 border-r border-slate-200 bg-white lg:block">
        <aside className="sticky top-0 flex h-screen flex-col">
          <div className="space-y-3 px-4 py-4">
            <Brand />
            <div>
              <CommandPalette />
            </div>
          </div>
          <nav className="flex-1 overflow-y-auto px-3" aria-label="Main">
            <NavLinks />
          </nav>
          <div className="border-t border-slate-200 px-4 py-3">
            <SignedInAdmin admin={admin} />
          </div>
        </aside>
      </div>
      <header className="sticky top-0 z-10 flex h-14 items-center justify-between border-b border-slate-200 bg-white px-4 lg:hidden">
        <Brand />
        <div className="flex items-center gap-2">
          <div>
            <CommandPalette variant="bar" />
          </div>
          <form action={signOutAction}>
            <button type="submit" className="rounded-md px-2 py-1.5 text-sm text-slate-600">
              Sign out
            </button>
          </form>
          <MobileNav />
        </div>
      </header>
      <main className="min-w-0 flex-1">
        <div className="mx-auto max-w-6xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">{children}</div>
      </main>
    </div>
  );
}
