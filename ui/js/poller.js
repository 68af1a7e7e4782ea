// Repeats an async task: never overlapping runs, backing off after failures, resting while the
// tab is hidden (no point polling for a page nobody looks at), stopped when the view goes away.

export class Poller {
  /**
   * @param {() => Promise<number|void>} task  may return the delay (ms) it wants before the next run
   * @param {{intervalMs: number, maxBackoffMs?: number, onError?: (e: Error) => void, onRecover?: () => void}} options
   */
  constructor(task, { intervalMs, maxBackoffMs = 30_000, onError, onRecover }) {
    this.task = task;
    this.intervalMs = intervalMs;
    this.maxBackoffMs = maxBackoffMs;
    this.onError = onError;
    this.onRecover = onRecover;
    this.failures = 0;
    this.timer = null;
    this.stopped = false;
    this.running = false;
    this.onVisibility = () => {
      if (!document.hidden) this.now();
    };
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  start() {
    this.now();
    return this;
  }

  /** Run as soon as possible (e.g. right after the agent pressed a button). */
  now() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#run(), 0);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  async #run() {
    if (this.stopped) return;
    if (this.running) return;
    if (document.hidden) return; // visibilitychange restarts us
    this.running = true;
    let delay = this.intervalMs;
    try {
      const wanted = await this.task();
      if (typeof wanted === "number") delay = wanted;
      if (this.failures) this.onRecover?.();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      delay = Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(this.failures, 6));
      this.onError?.(error);
    } finally {
      this.running = false;
    }
    if (!this.stopped) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.#run(), delay);
    }
  }
}
