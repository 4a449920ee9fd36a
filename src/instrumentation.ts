/** Runs once when the server starts; the Node-only part lives in server/boot.ts. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Configuration first, before any module that reads it is loaded: one clear line per problem, then exit.
    const { EnvError, env } = await import("./lib/env");
    try {
      env();
    } catch (err) {
      if (err instanceof EnvError) {
        for (const line of err.lines) console.error(line);
        process.exit(1);
      }
      throw err;
    }
    const { boot } = await import("./server/boot");
    await boot();
  }
}
