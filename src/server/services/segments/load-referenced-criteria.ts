import { inArray } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmUserSegments } from "@/server/db/schema";
import { expandedNodeCount, MAX_EXPANDED_NODES, referencedSegments, type TCriteria, ZCriteria } from "@/shared/criteria/schema";
import { InvalidInputError } from "../errors";

/**
 * Loads the criteria of every segment `criteria` refers to, directly or
 * through other segments, and refuses cycles (a segment that ends up
 * referring to `selfId` or to itself), references to missing segments, and
 * criteria that grow past MAX_EXPANDED_NODES once the segments they refer to
 * are included. `overrides` stands in for saved criteria (a segment being
 * edited, seen from the segments that use it).
 */
export async function loadReferencedCriteria(
  db: DbOrTx,
  criteria: TCriteria,
  selfId?: string,
  overrides: Map<string, TCriteria> = new Map(),
): Promise<Map<string, TCriteria>> {
  const loaded = new Map<string, TCriteria>();
  const names = new Map<string, string>();
  const edges = new Map<string, Set<string>>();
  const root = "(this segment)";
  edges.set(selfId ?? root, referencedSegments(criteria));
  let frontier = [...(edges.get(selfId ?? root) ?? [])];
  while (frontier.length) {
    const next: string[] = [];
    for (const id of frontier) {
      const override = overrides.get(id);
      if (!override || loaded.has(id) || id === selfId) continue;
      loaded.set(id, override);
      edges.set(id, referencedSegments(override));
      next.push(...referencedSegments(override));
    }
    const missing = frontier.filter((id) => !loaded.has(id) && id !== selfId);
    if (!missing.length) {
      frontier = next;
      if (!frontier.length) break;
      continue;
    }
    const rows = await db
      .select({ id: crmUserSegments.id, name: crmUserSegments.name, criteria: crmUserSegments.criteria })
      .from(crmUserSegments)
      .where(inArray(crmUserSegments.id, missing));
    for (const id of missing)
      if (!rows.some((r) => r.id === id)) throw new InvalidInputError(`A condition refers to a segment that does not exist (${id})`);
    for (const r of rows) {
      const parsed = ZCriteria.safeParse(r.criteria);
      if (!parsed.success) throw new InvalidInputError(`Segment “${r.name}” has criteria that are no longer valid; fix it first`);
      loaded.set(r.id, parsed.data);
      names.set(r.id, r.name);
      const refs = referencedSegments(parsed.data);
      edges.set(r.id, refs);
      next.push(...refs);
    }
    frontier = next;
  }
  // Depth-first search for a cycle through the reference graph.
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...path.slice(path.indexOf(id)), id].map((x) =>
        x === root ? "this segment" : x === selfId ? "this segment" : `“${names.get(x) ?? x}”`,
      );
      throw new InvalidInputError(`Segments cannot refer to each other in a loop: ${cycle.join(" → ")}`);
    }
    state.set(id, "visiting");
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, "done");
  };
  visit(selfId ?? root, []);
  const size = expandedNodeCount(criteria, loaded);
  if (size > MAX_EXPANDED_NODES) {
    throw new InvalidInputError(
      `These criteria grow past ${MAX_EXPANDED_NODES} conditions once the segments they refer to are included: refer to fewer segments, or to simpler ones`,
    );
  }
  return loaded;
}
