// Repeats an async task: never overlapping runs, backing off after failures, resting while the
// tab is hidden (no point polling for a page nobody looks at), stopped when the view goes away.
//
// The interval is counted from the START of the previous run, so a poll every 500 ms stays every
// 500 ms when the server takes 200 ms to answer (counted from the end it would be every 700 ms,
// and the page's share of the latency would grow with the server's). A slow server is not polled
// back to back: at least a quarter of the interval separates the end of a run from the next.

const MIN_REST_FRACTION = 0.25;

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
    this.rerun = false; // now() was asked for while a run was in flight
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
    if (this.running) {
      // Not a second request in parallel: the run in flight may have read the old state, so
      // one more follows as soon as it returns.
      this.rerun = true;
      return;
    }
    this.#schedule(0);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  #schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#run(), delay);
  }

  async #run() {
    if (this.stopped) return;
    if (this.running) return;
    if (document.hidden) return; // visibilitychange restarts us
    this.running = true;
    this.rerun = false;
    const startedAt = performance.now();
    let delay = this.intervalMs;
    let failed = false;
    try {
      const wanted = await this.task();
      if (typeof wanted === "number") delay = wanted;
      if (this.failures) this.onRecover?.();
      this.failures = 0;
    } catch (error) {
      failed = true;
      this.failures += 1;
      delay = Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(this.failures, 6));
      this.onError?.(error);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.rerun && !failed) {
      this.#schedule(0);
      return;
    }
    const elapsed = performance.now() - startedAt;
    this.#schedule(failed ? delay : Math.max(delay - elapsed, delay * MIN_REST_FRACTION));
  }
}
