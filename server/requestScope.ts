import { CortexError } from '../errors/CortexError.js';
import { abortedError } from '../services/cpu/CpuPool.js';
import type { StatementScope } from '../warehouse/statementScope.js';

export interface RequestScopeOptions {
  /** Work deadline from the start of the request (ms); fields that wait for jobs extend it by their wait. */
  readonly deadlineMs: number;
  /** DuckDB statements of this request in flight at once (the rest wait their turn). */
  readonly concurrentStatements: number;
  /** DuckDB statements this request may issue in all. */
  readonly maxStatements: number;
}

/**
 * One GraphQL request's share of the server: an AbortSignal that fires when the client goes
 * away or the deadline passes (the compute pool drops or terminates its tasks, its DuckDB reads
 * stop), and a statement gate — a few statements in flight at once, a budget in all — so a
 * single request cannot queue unbounded work on the reader connections ahead of everyone else.
 */
export class RequestScope implements StatementScope {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  private deadline: number;
  private allowedMs: number;
  private inFlight = 0;
  private statements = 0;
  private readonly waiting: (() => void)[] = [];
  private finished = false;

  constructor(private readonly options: RequestScopeOptions) {
    this.deadline = Date.now() + options.deadlineMs;
    this.allowedMs = options.deadlineMs;
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Gives the request `ms` more (a field waiting up to that long for a job). */
  extendDeadline(ms: number): void {
    if (this.finished || this.signal.aborted || ms <= 0) return;
    this.deadline += ms;
    this.allowedMs += ms;
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  /** The client went away before the answer was sent. */
  cancel(): void {
    this.abort(new CortexError('REQUEST_CANCELLED', 'the client closed the connection; the request was cancelled'));
  }

  /** The answer was sent: reads issued after this (by work outliving the request) are not held back. */
  finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
    for (const wake of this.waiting.splice(0)) wake();
  }

  async enter(): Promise<void> {
    if (this.finished) return;
    if (this.signal.aborted) throw abortedError(this.signal);
    if (++this.statements > this.options.maxStatements) {
      throw new CortexError('COST_LIMIT', `the request issued more than ${this.options.maxStatements} database statements; ask for less at once`, {
        maxStatements: this.options.maxStatements,
      });
    }
    if (this.inFlight < this.options.concurrentStatements) {
      this.inFlight++;
      return;
    }
    // The slot is handed over by leave(), already counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.signal.aborted && !this.finished) {
      this.leave();
      throw abortedError(this.signal);
    }
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight = Math.max(0, this.inFlight - 1);
  }

  private arm(): NodeJS.Timeout {
    const timer = setTimeout(
      () => this.abort(new CortexError('DEADLINE_EXCEEDED', `the request ran past its deadline of ${this.allowedMs / 1000} s and was stopped`, { deadlineMs: this.allowedMs })),
      Math.max(0, this.deadline - Date.now()),
    );
    timer.unref();
    return timer;
  }

  private abort(reason: CortexError): void {
    if (this.finished || this.signal.aborted) return;
    clearTimeout(this.timer);
    this.controller.abort(reason);
    for (const wake of this.waiting.splice(0)) wake();
  }
}
