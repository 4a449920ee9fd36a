import { heartbeat } from "./heartbeat";
import { refreshAnalytics } from "./refresh-analytics";

/** Every Inngest function, served at /api/inngest. */
export const functions = [heartbeat, refreshAnalytics];
