/**
 * The few error types the services raise. Each carries its HTTP status; the error middleware
 * (problem-details.ts) turns them into RFC 9457 problem bodies. Messages are for clients: they say what was wrong and
 * what to do, and never contain secrets or stack traces.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(400, message, extra);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "Invalid API Key") {
    super(401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message: string, extra: Record<string, unknown>, headers: Record<string, string>) {
    super(429, message, extra, headers);
  }
}

export class BadGatewayError extends AppError {
  constructor(message: string) {
    super(502, message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, headers: Record<string, string> = {}) {
    super(503, message, {}, headers);
  }
}

export class GatewayTimeoutError extends AppError {
  constructor(message: string) {
    super(504, message);
  }
}
