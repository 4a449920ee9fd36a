import { heartbeat } from "./heartbeat";

/** Every Inngest function, served at /api/inngest. */
export const functions = [heartbeat];
