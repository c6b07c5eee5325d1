/**
 * A bounded FIFO: `push` waits while the queue is full (polling slows down instead of dropping), `take`
 * hands out up to n items. Single consumer.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private spaceWaiters: (() => void)[] = [];
  private dataWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`queue capacity must be >= 1, got ${capacity}`);
  }

  get depth(): number {
    return this.items.length;
  }

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity) await new Promise<void>((r) => this.spaceWaiters.push(r));
    this.items.push(item);
    this.dataWaiters.splice(0).forEach((w) => w());
  }

  /** Waits up to `waitMs` for at least one item; returns what fits `accept` (at least one item when any). */
  async take(
    max: number,
    waitMs: number,
    accept: (taken: T[], next: T) => boolean = () => true,
    /** Called as the items leave the queue, before the promise resolves (a caller's accounting). */
    onTaken?: (n: number) => void,
  ): Promise<T[]> {
    if (this.items.length === 0 && waitMs > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, waitMs);
        this.dataWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    const out: T[] = [];
    while (out.length < max && this.items.length > 0 && (out.length === 0 || accept(out, this.items[0]!)))
      out.push(this.items.shift()!);
    if (out.length) {
      onTaken?.(out.length);
      this.spaceWaiters.splice(0).forEach((w) => w());
    }
    return out;
  }

  /** Returns entries to the front (a failed call's entries keep their place). */
  unshift(items: T[]): void {
    this.items.unshift(...items);
  }
}
