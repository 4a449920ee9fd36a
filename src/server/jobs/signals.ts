/*
 * How a job step tells its engine what to do with a failure. Both engines
 * understand them: Inngest as RetryAfterError / NonRetriableError, the
 * in-process engine by rescheduling the job or failing it at once.
 */

/** Try again, not before `afterMs` (a provider's 429 with Retry-After). */
export class RetryLater extends Error {
  constructor(
    message: string,
    public readonly afterMs: number,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

/** Retrying cannot help (a permanent provider refusal, a campaign that cannot start): fail now, run onFailure. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentFailure";
  }
}
