// The live transcript: segments merged by segmentId (a final replaces its partials), kept in
// spoken order, auto-scrolled while the agent is at the bottom, paused when they scroll up.
import { badge } from "./components.js";
import { h, replaceChildren, srOnly } from "./dom.js";
import { formatClock, speakerLabel, titleCase } from "./format.js";

const AT_BOTTOM_SLACK_PX = 48;
const ANNOUNCED_LINES_KEPT = 3;

export class TranscriptView {
  constructor() {
    this.segments = new Map(); // segmentId -> segment
    this.items = new Map(); // segmentId -> <li>
    this.followLatest = true;
    this.ended = false;
    this.primed = false; // the first batch is not announced: only what is said while watching

    this.list = h("ol", { class: "transcript", "aria-label": "Utterances" });
    this.empty = h("p", { class: "transcript-empty muted" }, "Waiting for the first words…");
    this.scroller = h(
      "div",
      {
        class: "transcript-scroll",
        tabindex: "0",
        role: "region",
        "aria-label": "Transcript lines",
        onscroll: () => this.#onScroll(),
      },
      this.empty,
      this.list,
    );
    this.jumpButton = h(
      "button",
      { type: "button", class: "btn btn--primary jump-latest", hidden: true, onclick: () => this.jumpToLatest() },
      "Jump to latest",
      h("span", { "aria-hidden": "true" }, " ↓"),
    );
    // Polite live region with finished lines only: partial results would be read out again and
    // again as they grow, so they are shown but not announced.
    this.announcer = h("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "false", id: "transcript-announcer" });
    this.counter = h("span", { class: "muted small transcript-count" });
    this.element = h("div", { class: "transcript-wrap" }, this.scroller, this.jumpButton, this.announcer);
  }

  /** True once at least one utterance is final (there is something to summarize). */
  get hasFinals() {
    for (const segment of this.segments.values()) if (!segment.isPartial) return true;
    return false;
  }

  /** Merge a batch of segments (any order, partials and finals mixed). */
  update(segments) {
    const announce = [];
    let changed = false;
    for (const segment of segments) {
      if (!segment || !segment.segmentId) continue;
      const previous = this.segments.get(segment.segmentId);
      // A late partial must never overwrite the final text of the same utterance.
      if (previous && !previous.isPartial && segment.isPartial) continue;
      if (previous && sameSegment(previous, segment)) continue;
      this.segments.set(segment.segmentId, segment);
      this.#renderItem(segment);
      changed = true;
      if (!segment.isPartial && (!previous || previous.isPartial) && this.primed) announce.push(segment);
    }
    this.primed = true;
    if (!changed) return;
    this.empty.hidden = this.segments.size > 0;
    const finals = [...this.segments.values()].filter((s) => !s.isPartial).length;
    this.counter.textContent = `${finals} utterance${finals === 1 ? "" : "s"}`;
    for (const segment of announce) this.#announce(segment);
    if (this.followLatest) this.#scrollToBottom();
    else this.jumpButton.hidden = false;
  }

  setEnded(ended) {
    if (ended && !this.ended) {
      this.ended = true;
      // A partial never followed by its final (the call ended mid-word) must stop saying "speaking…".
      for (const segment of this.segments.values()) if (segment.isPartial) this.#renderItem(segment);
    }
    this.empty.textContent = ended ? "No transcript was recorded for this call." : "Waiting for the first words…";
  }

  jumpToLatest() {
    this.followLatest = true;
    this.#scrollToBottom();
    this.jumpButton.hidden = true;
    this.scroller.focus({ preventScroll: true });
  }

  #renderItem(segment) {
    const speaker = String(segment.speaker || "UNKNOWN").toUpperCase();
    const item = h(
      "li",
      {
        class: ["utterance", `utterance--${speaker.toLowerCase()}`, segment.isPartial && "is-partial"],
        "data-segment-id": segment.segmentId,
        "data-start": segment.startTime ?? 0,
      },
      h(
        "div",
        { class: "utterance-meta" },
        h("span", { class: "speaker" }, speakerLabel(speaker)),
        h("span", { class: "offset mono", title: "Time from the start of the call" }, formatClock(Number(segment.startTime))),
        segment.sentiment
          ? badge(segment.sentiment, { label: titleCase(segment.sentiment), className: "sentiment" })
          : null,
        segment.isPartial ? h("span", { class: "partial-note" }, this.ended ? "unfinished" : "speaking…") : null,
      ),
      h("p", { class: "utterance-text" }, segment.text || "", segment.isPartial ? srOnly(" (still being transcribed)") : null),
    );
    const existing = this.items.get(segment.segmentId);
    if (existing && Number(existing.dataset.start) === Number(item.dataset.start)) {
      existing.replaceWith(item);
    } else {
      existing?.remove();
      this.#insertInOrder(item, segment);
    }
    this.items.set(segment.segmentId, item);
  }

  #insertInOrder(item, segment) {
    const start = Number(segment.startTime ?? 0);
    // New speech almost always goes last: walk back from the end.
    let after = this.list.lastElementChild;
    while (after && Number(after.dataset.start) > start) after = after.previousElementSibling;
    if (after) after.after(item);
    else this.list.prepend(item);
  }

  #announce(segment) {
    this.announcer.append(h("p", {}, `${speakerLabel(segment.speaker)}: ${segment.text}`));
    while (this.announcer.childElementCount > ANNOUNCED_LINES_KEPT) this.announcer.firstElementChild.remove();
  }

  #isAtBottom() {
    const el = this.scroller;
    return el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_SLACK_PX;
  }

  #scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  #onScroll() {
    // Our own scrolls land at the bottom, so they keep following; the agent's scroll up stops it.
    this.followLatest = this.#isAtBottom();
    this.jumpButton.hidden = this.followLatest;
  }

  clear() {
    this.segments.clear();
    this.items.clear();
    replaceChildren(this.list);
  }
}

function sameSegment(a, b) {
  return (
    a.text === b.text &&
    a.isPartial === b.isPartial &&
    a.sentiment === b.sentiment &&
    a.speaker === b.speaker &&
    a.startTime === b.startTime
  );
}
