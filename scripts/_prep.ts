import "./load-env";
import { env } from "@/lib/env";
import { openConfiguredDatabase } from "@/server/db/open";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { sourceIndexesDdl } from "@/server/services/demo-data/source-tables";

const h = await openConfiguredDatabase(env(), { max: 2 });
await h.execScript(sourceIndexesDdl("app"));
console.time("refresh");
console.log(await refreshAnalyticsRollups(h.db));
console.timeEnd("refresh");
await h.close();
