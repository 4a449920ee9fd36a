import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { type TAutomationDefinition, type TAutomationStatus, ZAutomationDefinition } from "@/shared/schemas/automations";

export type TLiveAutomation = {
  id: string;
  name: string;
  status: TAutomationStatus;
  version: number;
  definition: TAutomationDefinition;
  enrolCursor: Date | null;
};

/** Every automation that has a published version and is live or paused, with that version's definition. */
export async function liveDefinitions(db: DbOrTx): Promise<TLiveAutomation[]> {
  const rows = await executeRows<{
    id: string;
    name: string;
    status: TAutomationStatus;
    version: number;
    definition: unknown;
    enrol_cursor: Date | string | null;
  }>(
    db,
    sql`SELECT a.id, a.name, a.status, a.live_version AS version, v.definition, a.enrol_cursor
        FROM crm_automations a JOIN crm_automation_versions v ON v.automation_id = a.id AND v.version = a.live_version
        WHERE a.status IN ('live', 'paused') ORDER BY a.created_at, a.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    version: Number(r.version),
    // Published versions were validated when published; parsing again keeps a hand-edited row from running.
    definition: ZAutomationDefinition.parse(r.definition),
    enrolCursor: r.enrol_cursor ? new Date(r.enrol_cursor) : null,
  }));
}

/** Definitions by automation and version, read once per call of whoever holds the cache. */
export function versionCache(db: DbOrTx) {
  const cache = new Map<string, Promise<{ name: string; status: TAutomationStatus; definition: TAutomationDefinition } | null>>();
  return (automationId: string, version: number) => {
    const key = `${automationId}:${version}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = executeRows<{ name: string; status: TAutomationStatus; definition: unknown }>(
        db,
        sql`SELECT a.name, a.status, v.definition FROM crm_automation_versions v JOIN crm_automations a ON a.id = v.automation_id
            WHERE v.automation_id = ${automationId}::uuid AND v.version = ${version}`,
      ).then(([r]) => (r ? { name: r.name, status: r.status, definition: ZAutomationDefinition.parse(r.definition) } : null));
      cache.set(key, hit);
    }
    return hit;
  };
}
