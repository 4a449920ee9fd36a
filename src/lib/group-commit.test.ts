import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

describe("groupCommit", () => {
  it("flushes a lone item at once and the items that arrive meanwhile together, each caller getting its own result", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const submit = groupCommit(
      async (items: number[]) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((n) => n * 10);
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const first = submit(1);
    const rest = [2, 3, 4, 5, 6].map((n) => submit(n));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it("tries a failed batch again item by item, so only the bad item's caller sees the error", async () => {
    const seen: number[][] = [];
    let hold: Promise<void> | null = new Promise<void>((r) => setTimeout(r, 10));
    const submit = groupCommit(
      async (items: number[]) => {
        seen.push(items);
        if (hold) {
          const h = hold;
          hold = null;
          await h;
        }
        if (items.includes(3)) throw new Error("bad item 3");
        return items.map((n) => -n);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => submit(n)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([-1, -2, "bad item 3", -4]);
    expect(seen).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
