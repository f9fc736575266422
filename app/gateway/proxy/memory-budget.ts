/**
 * Bytes of Core answers the Gateway holds in memory at once, across every request. A request
 * that would pass the budget streams its answer instead of buffering it (or, when it must
 * buffer, is refused), so many large answers at once cannot exhaust the process.
 */
export class MemoryBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Takes `bytes` from the budget; false (nothing taken) when they do not fit. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
