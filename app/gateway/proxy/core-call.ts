import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { MemoryBudget } from "./memory-budget.js";

/** What the Core answered, once the Gateway can decide what to do with it. */
export interface CoreAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** the body read so far: all of it when `rest` is undefined */
  chunks: Buffer[];
  size: number;
  /** bytes of `chunks` taken from the memory budget, to give back when the exchange ends */
  reserved: number;
  /** the rest of the body, when it was not read whole: streamed (or discarded) by the caller */
  rest: Readable | undefined;
}

export interface CoreCallOptions {
  /**
   * Decides from the status and headers whether the answer is an ordinary one, read whole into
   * memory before the Gateway answers (up to `bufferUpToBytes` and the budget; the rest then
   * streams). Otherwise the answer comes at once, its whole body in `rest`.
   */
  buffer(statusCode: number, headers: IncomingHttpHeaders): boolean;
  bufferUpToBytes: number;
  budget: MemoryBudget;
}

/**
 * One request to a Core, as an undici dispatch handler. The usual answer, short JSON, is
 * collected chunk by chunk as it arrives: no body stream, no promise per chunk, no header
 * object for the caller to copy. An answer that must stream (an event stream, a large or
 * unusual one) gets a Readable for the part not yet read, paced by undici's pause/resume.
 * `answer` settles once: with the answer, or with the failure that came before it.
 */
export class CoreCall implements Dispatcher.DispatchHandler {
  readonly answer: Promise<CoreAnswer>;
  private resolve!: (answer: CoreAnswer) => void;
  private reject!: (err: unknown) => void;
  private settled = false;
  private completed = false;
  private abortRequest: ((reason: Error) => void) | undefined;
  private abortReason: Error | undefined;
  private resume: (() => void) | undefined;
  private current: CoreAnswer | undefined;

  constructor(private readonly options: CoreCallOptions) {
    this.answer = new Promise<CoreAnswer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Ends the request (the caller left, the deadline passed): the answer or its stream fail. */
  abort(reason: Error): void {
    if (this.completed || this.abortReason) return;
    this.abortReason = reason;
    this.abortRequest?.(reason);
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.abortReason) abort(this.abortReason);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the real answer follows
    this.resume = resume;
    const headers = parseHeaders(rawHeaders);
    const answer: CoreAnswer = { statusCode, headers, chunks: [], size: 0, reserved: 0, rest: undefined };
    this.current = answer;
    if (!this.options.buffer(statusCode, headers)) this.streamRest(answer);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const answer = this.current!;
    if (answer.rest) return answer.rest.push(chunk);
    answer.chunks.push(chunk);
    answer.size += chunk.length;
    if (this.options.budget.tryTake(chunk.length)) answer.reserved += chunk.length;
    else return this.streamRest(answer);
    if (answer.size > this.options.bufferUpToBytes) return this.streamRest(answer);
    return true;
  }

  onComplete(): void {
    this.completed = true;
    const answer = this.current!;
    if (answer.rest) answer.rest.push(null);
    else this.settle(answer);
  }

  onError(err: Error): void {
    const answer = this.current;
    if (!this.settled) {
      if (answer) this.options.budget.give(answer.reserved);
      this.settled = true;
      this.reject(err);
    } else if (answer?.rest && !answer.rest.destroyed) {
      answer.rest.destroy(err);
    }
  }

  /** Answers now with what was read; the rest of the body follows as a stream (paused: false). */
  private streamRest(answer: CoreAnswer): false {
    answer.rest = new Readable({
      read: () => this.resume?.(),
      destroy: (err, callback) => {
        // Destroyed before its end (the caller left, a cap was hit, or it is discarded): the
        // request to the Core ends too, and its connection with it.
        if (!this.completed) this.abortRequest?.(err ?? new Error("the Core's answer was not read"));
        callback(err);
      },
    });
    this.settle(answer);
    return false;
  }

  private settle(answer: CoreAnswer): void {
    this.settled = true;
    this.resolve(answer);
  }
}

/**
 * undici's raw response headers as Node's IncomingHttpHeaders: names in lower case, a repeated
 * header as an array of its values. No prototype: a Core's `__proto__` or `constructor` header
 * is a header like any other.
 */
function parseHeaders(raw: Buffer[]): IncomingHttpHeaders {
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString("latin1").toLowerCase();
    const value = raw[i + 1]!.toString("latin1");
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers as IncomingHttpHeaders;
}
