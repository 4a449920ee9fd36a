/** Domain errors thrown by services and mapped once to tRPC/HTTP codes. */
export class DomainError extends Error {
  constructor(
    message: string,
    public readonly code: "NOT_FOUND" | "CONFLICT" | "FORBIDDEN" | "BAD_REQUEST" | "UNAVAILABLE" | "TOO_MANY_REQUESTS",
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super(message, "NOT_FOUND");
  }
}
export class ConflictError extends DomainError {
  constructor(message: string) {
    super(message, "CONFLICT");
  }
}
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(message, "FORBIDDEN");
  }
}
export class InvalidInputError extends DomainError {
  constructor(message: string) {
    super(message, "BAD_REQUEST");
  }
}
/** A dependency (database, Inngest, email provider) cannot be reached. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super(message, "UNAVAILABLE");
  }
}
/** A limit was reached (sign-in attempts, API calls, heavy reads at once); try again after `retryAfterSeconds`. */
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super(message, "TOO_MANY_REQUESTS");
  }
}
