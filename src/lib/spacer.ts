const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A rate (requests per second) kept at the moment of each request: any two
 * turns start at least 1/rate seconds apart, so no one-second window ever
 * holds more than the rate. Concurrent callers take their turns in order.
 * For low rates (an email provider's few requests a second).
 */
export function createSpacer(ratePerSecond: number, sleep: (ms: number) => Promise<void> = defaultSleep) {
  const spacingMs = 1000 / ratePerSecond;
  let nextAt = 0;
  let turn: Promise<void> = Promise.resolve();
  return function wait(): Promise<void> {
    const mine = turn.then(async () => {
      const ms = nextAt - performance.now();
      if (ms > 0) await sleep(Math.ceil(ms)); // timers round down: never wake early
      nextAt = performance.now() + spacingMs;
    });
    turn = mine.catch(() => {});
    return mine;
  };
}

/**
 * At most `limit` calls start in any window of `windowMs` (a sliding log of
 * the last `limit` start times): the rate is held exactly, and reached, even
 * at hundreds a second, where a timer's millisecond granularity would make
 * even spacing fall short. A call's start is logged right after its `fn` has
 * begun (its synchronous part, where the request goes out, has run), so a
 * reading of the clock anywhere in that part is never later than the logged
 * start: a delay there (a first call's compile, a GC pause) cannot let two
 * starts fall less than a window apart. Calls take their turns in order, and
 * a slow `fn` does not hold the next turn.
 */
export function createWindowLimiter(limit: number, windowMs = 1000, sleep: (ms: number) => Promise<void> = defaultSleep) {
  const starts = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
  const span = windowMs + 0.1;
  let oldest = 0; // index of the oldest of the last `limit` starts
  let turn: Promise<void> = Promise.resolve();
  return function schedule<T>(fn: () => Promise<T>): Promise<T> {
    let started: Promise<T> | undefined;
    const gate = turn.then(async () => {
      let ms = (starts[oldest] as number) + span - performance.now();
      while (ms > 0) {
        await sleep(Math.ceil(ms));
        ms = (starts[oldest] as number) + span - performance.now();
      }
      try {
        started = fn();
      } finally {
        // Logged after fn has started its request: any clock reading taken
        // inside fn (the request's own timestamp) is no later than this one,
        // so the next window is measured from a moment at or after it.
        starts[oldest] = performance.now();
        oldest = (oldest + 1) % limit;
      }
    });
    turn = gate.catch(() => {});
    return gate.then(() => started as Promise<T>);
  };
}
