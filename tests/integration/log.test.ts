import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs a few log calls in a process of its own, as the server would with this NODE_ENV; its stdout and stderr. */
function logIn(nodeEnv: "production" | "development") {
  const script = `
    import { log, withRequestId } from "./src/lib/log.ts";
    log("boot").info("started", { port: 3000 });
    await withRequestId("req-123", async () => {
      await new Promise((r) => setTimeout(r, 5));
      log("trpc").error("users.list: boom");
    });`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, NODE_ENV: nodeEnv, LOG_LEVEL: "info" },
    encoding: "utf8",
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe("the server's log", () => {
  it("is one JSON object a line in production, with the request id on every line logged inside a request", () => {
    const { out, status } = logIn("production");
    expect(status).toBe(0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: "info", scope: "boot", msg: "started", port: 3000, time: expect.any(String) }),
      expect.objectContaining({ level: "error", scope: "trpc", msg: "users.list: boom", requestId: "req-123" }),
    ]);
    expect(lines[0]).not.toHaveProperty("requestId");
  });

  it("is a readable line elsewhere, with the same request id", () => {
    const { out, err } = logIn("development");
    expect(out).toContain('[boot] started {"port":3000}');
    expect(err).toContain("[trpc] req-123 users.list: boom");
  });
});
