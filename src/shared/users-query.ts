import { z } from "zod";
import { ZDay } from "@/shared/day";
import { PRIORITIES, SUBSCRIPTION_STATUSES } from "@/shared/enums";

/**
 * The users list's filters and sort, shared by the tRPC input, the page URL
 * (so a view can be shared and bookmarked), saved views and the CSV export.
 * Pure: imported on the server and in the browser.
 */

export const USER_SORTS = ["joined", "lastActive", "spent", "aiCost", "margin"] as const;
export type TUserSort = (typeof USER_SORTS)[number];
export const USER_SORT_LABELS: Record<TUserSort, string> = {
  joined: "Joined",
  lastActive: "Last active",
  spent: "Total spent",
  aiCost: "AI cost",
  margin: "Margin",
};

const day = ZDay;
const dollars = z.number().min(0, "Must be 0 or more").max(100_000_000, "Too large");
const token = z.string().trim().min(1).max(60);

export const ZUserFilters = z
  .object({
    /** Case-insensitive substring of email or name. */
    search: z.string().trim().max(200).optional(),
    plans: z.array(token).max(20).optional(),
    statuses: z.array(z.enum(SUBSCRIPTION_STATUSES)).max(5).optional(),
    tags: z.array(token).max(20).optional(),
    tagMode: z.enum(["any", "all"]).default("any"),
    priorities: z.array(z.enum(PRIORITIES)).max(4).optional(),
    /** Local dates in the admin's timezone, both ends inclusive. */
    joinedFrom: day.optional(),
    joinedTo: day.optional(),
    activeFrom: day.optional(),
    activeTo: day.optional(),
    /** Lifetime spend and AI cost in US dollars, both ends inclusive. */
    spentMin: dollars.optional(),
    spentMax: dollars.optional(),
    aiCostMin: dollars.optional(),
    aiCostMax: dollars.optional(),
    /** Only users whose lifetime AI cost exceeds their lifetime revenue. */
    unprofitable: z.boolean().optional(),
    /** Current members of this segment. */
    segmentId: z.guid("Not a segment id").optional(),
  })
  .superRefine((f, ctx) => {
    const pairs = [
      ["joinedFrom", "joinedTo"],
      ["activeFrom", "activeTo"],
      ["spentMin", "spentMax"],
      ["aiCostMin", "aiCostMax"],
    ] as const;
    for (const [lo, hi] of pairs) {
      const a = f[lo];
      const b = f[hi];
      if (a !== undefined && b !== undefined && a > b) {
        ctx.addIssue({
          code: "custom",
          path: [hi],
          message: `Must not be before ${lo === "spentMin" || lo === "aiCostMin" ? "the minimum" : "the start"}`,
        });
      }
    }
  });
export type TUserFilters = z.output<typeof ZUserFilters>;
export type TUserFiltersInput = z.input<typeof ZUserFilters>;

export const ZUserSort = z.object({
  sort: z.enum(USER_SORTS).default("joined"),
  dir: z.enum(["asc", "desc"]).default("desc"),
});
export type TUserSortInput = z.input<typeof ZUserSort>;

const list = (v: string | null) =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
const numberOrUndefined = (v: string | null) => (v === null || v.trim() === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/**
 * Reads filters and sort from a URL query. Unparseable values are dropped
 * (and reported in `dropped`), so a hand-edited link still opens a list and
 * says what it ignored instead of failing.
 */
export function parseUsersQuery(params: URLSearchParams): {
  filters: TUserFilters;
  sort: z.output<typeof ZUserSort>;
  dropped: string[];
} {
  const raw: Record<string, unknown> = {
    search: params.get("q") ?? undefined,
    plans: list(params.get("plan")),
    statuses: list(params.get("status")),
    tags: list(params.get("tags")),
    tagMode: params.get("tagMode") ?? undefined,
    priorities: list(params.get("priority")),
    joinedFrom: params.get("joinedFrom") ?? undefined,
    joinedTo: params.get("joinedTo") ?? undefined,
    activeFrom: params.get("activeFrom") ?? undefined,
    activeTo: params.get("activeTo") ?? undefined,
    spentMin: numberOrUndefined(params.get("spentMin")),
    spentMax: numberOrUndefined(params.get("spentMax")),
    aiCostMin: numberOrUndefined(params.get("aiCostMin")),
    aiCostMax: numberOrUndefined(params.get("aiCostMax")),
    unprofitable: params.get("unprofitable") === "1" ? true : undefined,
    segmentId: params.get("segment") ?? undefined,
  };
  for (const k of Object.keys(raw)) if (raw[k] === undefined || raw[k] === "") delete raw[k];
  const dropped: string[] = [];
  let parsed = ZUserFilters.safeParse(raw);
  // Drop each offending field once, then parse what is left.
  while (!parsed.success) {
    const key = parsed.error.issues[0]?.path[0];
    if (typeof key !== "string" || !(key in raw)) {
      parsed = ZUserFilters.safeParse({});
      break;
    }
    dropped.push(key);
    delete raw[key];
    parsed = ZUserFilters.safeParse(raw);
  }
  const sort = ZUserSort.safeParse({ sort: params.get("sort") ?? undefined, dir: params.get("dir") ?? undefined });
  if (!sort.success) dropped.push("sort");
  return {
    filters: parsed.success ? parsed.data : ZUserFilters.parse({}),
    sort: sort.success ? sort.data : ZUserSort.parse({}),
    dropped,
  };
}

/** The inverse of parseUsersQuery: only non-default values, in a stable order. */
export function usersQueryString(filters: TUserFiltersInput, sort?: TUserSortInput): string {
  const p = new URLSearchParams();
  const set = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== "") p.set(k, String(v));
  };
  set("q", filters.search?.trim() || undefined);
  set("plan", filters.plans?.length ? filters.plans.join(",") : undefined);
  set("status", filters.statuses?.length ? filters.statuses.join(",") : undefined);
  set("tags", filters.tags?.length ? filters.tags.join(",") : undefined);
  set("tagMode", filters.tags?.length && filters.tagMode === "all" ? "all" : undefined);
  set("priority", filters.priorities?.length ? filters.priorities.join(",") : undefined);
  set("joinedFrom", filters.joinedFrom);
  set("joinedTo", filters.joinedTo);
  set("activeFrom", filters.activeFrom);
  set("activeTo", filters.activeTo);
  set("spentMin", filters.spentMin);
  set("spentMax", filters.spentMax);
  set("aiCostMin", filters.aiCostMin);
  set("aiCostMax", filters.aiCostMax);
  set("unprofitable", filters.unprofitable ? "1" : undefined);
  set("segment", filters.segmentId);
  if (sort?.sort && sort.sort !== "joined") set("sort", sort.sort);
  if (sort?.dir && sort.dir !== "desc") set("dir", sort.dir);
  return p.toString();
}
