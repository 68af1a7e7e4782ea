// The summary panel: "Summarize now", the version history (interim…, final), the chosen
// version's sections, and a failed version's error with a Retry button.
import { ApprovalForm } from "./approve.js";
import { badge, emptyState } from "./components.js";
import { h, replaceChildren } from "./dom.js";
import { formatTime, humanize, titleCase } from "./format.js";

const ENUM_LIKE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export class SummaryPanel {
  /** @param {{onSummarize: () => Promise<void>, onRetry: (version: number) => Promise<void>,
   *   onApprove: (version: number, sections: object) => Promise<object>, loadSections: () => Promise<object[]>}} actions */
  constructor(actions) {
    this.actions = actions;
    this.editing = null; // the ApprovalForm while the agent reviews a version
    this.approvedVersion = null; // the version this page approved (announced once, by the form)
    this.summaries = [];
    this.chosenVersion = null; // null: follow the newest version
    this.waitingAbove = null; // "Summarize now" pressed: waiting for a version above this one
    this.waitingSince = 0;
    this.retrying = new Set();
    this.live = false;
    this.loaded = false;

    this.summarizeButton = h(
      "button",
      { type: "button", class: "btn btn--primary", id: "summarize-now", hidden: true, onclick: () => this.#summarize() },
      "Summarize now",
    );
    this.status = h("p", { class: "summary-status", role: "status", id: "summary-status" });
    this.versions = h("div", { class: "versions" });
    this.body = h("div", { class: "summary-body" });
    this.speechHint = h("p", { class: "muted small speech-hint", hidden: true }, "Nothing to summarize yet: “Summarize now” is available once the first words are transcribed.");
    this.element = h("div", { class: "summary-panel-inner" }, this.status, this.speechHint, this.versions, this.body);
  }

  /** The call's state changed: "Summarize now" while the call is live; after it, "Summarize
   * again" as long as the call has no completed final (a failed or stopped run must never leave
   * the agent without a way out). */
  setLive(live) {
    this.live = live;
    this.#offerSummarize();
  }

  /** Whether anything has been said yet: "Summarize now" waits for the first final utterance
   * (a summary of nothing would only be a FAILED version). */
  setSpeech(hasSpeech) {
    if (this.hasSpeech === hasSpeech) return;
    this.hasSpeech = hasSpeech;
    this.#offerSummarize();
  }

  #offerSummarize() {
    const triedFinal = this.summaries.some((s) => s.kind === "final");
    const again = !this.live && triedFinal && !this.hasFinal && !this.expectingChange;
    this.summarizeButton.hidden = !(this.live || again);
    this.summarizeButton.textContent = this.live ? "Summarize now" : "Summarize again";
    const silent = this.live && this.hasSpeech === false;
    if (this.waitingAbove === null) this.summarizeButton.disabled = silent;
    this.summarizeButton.title = silent ? "Nothing to summarize yet: no words have been transcribed" : "";
    this.speechHint.hidden = !silent;
  }

  get newestVersion() {
    return this.summaries.reduce((max, s) => Math.max(max, Number(s.version) || 0), 0);
  }

  /** True while the page expects a summary to change (worth polling the summaries for). */
  get expectingChange() {
    if (this.waitingAbove !== null || this.retrying.size) return true;
    return this.summaries.some((s) => String(s.status).toUpperCase() === "PENDING");
  }

  get hasFinal() {
    return this.summaries.some((s) => s.kind === "final" && String(s.status).toUpperCase() === "COMPLETED");
  }

  update(summaries) {
    this.summaries = summaries;
    const newest = this.newestVersion;
    const newestSummary = summaries.find((s) => Number(s.version) === newest);
    const state = newestSummary ? `${newest}/${String(newestSummary.status).toUpperCase()}` : "";
    const announced = Number(newestSummary?.version) === this.approvedVersion; // said so already
    if (this.loaded && state !== this.newestState && this.waitingAbove === null && newestSummary && !announced) {
      // News nobody on this page asked for (e.g. the final summary after the call ended).
      const status = String(newestSummary.status).toUpperCase();
      const what = { PENDING: "is being written", FAILED: "failed", STALE: "is out of date" }[status] ?? "is ready";
      this.status.textContent = `${titleCase(newestSummary.kind || "new")} summary (version ${newest}) ${what}.`;
    }
    this.loaded = true;
    this.newestState = state;
    if (this.waitingAbove !== null) {
      const arrived = summaries.find(
        (s) => Number(s.version) > this.waitingAbove && String(s.status).toUpperCase() !== "PENDING",
      );
      if (arrived) {
        this.waitingAbove = null;
        this.chosenVersion = null;
        this.summarizeButton.disabled = false;
        const outcome = String(arrived.status).toUpperCase() === "FAILED" ? "failed" : "is ready";
        this.status.textContent = `${titleCase(arrived.kind)} summary (version ${arrived.version}) ${outcome}.`;
      } else if (Date.now() - this.waitingSince > 60_000) {
        this.waitingAbove = null;
        this.summarizeButton.disabled = false;
        this.status.textContent = "The summary is taking longer than usual. It will appear here when it is ready.";
      }
    }
    for (const version of [...this.retrying]) {
      // A retry writes a new version (the old one is kept as it was): done once a newer version
      // has finished, or the old one itself moved on.
      const newer = summaries.find(
        (s) => Number(s.version) > version && !["PENDING"].includes(String(s.status).toUpperCase()),
      );
      const summary = summaries.find((s) => Number(s.version) === version);
      const moved = summary && !["FAILED", "PENDING", "STALE"].includes(String(summary.status).toUpperCase());
      if (newer || moved) {
        this.retrying.delete(version);
        if (String((newer || summary).status).toUpperCase() === "COMPLETED") {
          this.status.textContent = `Version ${version} was summarized on retry.`;
        }
      }
    }
    if (this.chosenVersion !== null && !summaries.some((s) => Number(s.version) === this.chosenVersion)) {
      this.chosenVersion = null;
    }
    // Redraw only when something shown changed: every poll while a summary is awaited would
    // otherwise replace the version and Retry buttons and take keyboard focus away from them.
    this.#offerSummarize();
    const signature = JSON.stringify([summaries, this.chosenVersion, this.live, [...this.retrying]]);
    if (this.editing) return; // a poll must not throw away the agent's edits (a 409 says if they are outdated)
    if (signature !== this.renderedSignature) {
      this.renderedSignature = signature;
      this.#render(newest);
    }
  }

  async #summarize() {
    this.summarizeButton.disabled = true;
    this.status.textContent = "Requesting a summary of the call so far…";
    try {
      await this.actions.onSummarize();
      this.waitingAbove = this.newestVersion;
      this.waitingSince = Date.now();
      this.status.textContent = "Summary requested. It appears here in a few seconds.";
    } catch (error) {
      this.summarizeButton.disabled = false;
      this.status.textContent = `The summary could not be requested: ${error.message}`;
    }
  }

  /** The follow-up email as written, with a button that copies it for the agent's mail client. */
  #email(text) {
    const body = h("pre", { class: "email-text" }, text);
    const copy = h(
      "button",
      {
        type: "button",
        class: "btn btn--secondary copy-email",
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(text);
            this.status.textContent = "Email copied.";
          } catch {
            const range = document.createRange();
            range.selectNodeContents(body);
            window.getSelection()?.removeAllRanges();
            window.getSelection()?.addRange(range);
            this.status.textContent = "Email selected: press Ctrl+C (or Cmd+C) to copy it.";
          }
        },
      },
      "Copy email",
    );
    return h("div", { class: "email" }, body, copy);
  }

  /** The call's current summary (its newest completed final or approved version) once the call
   * has ended: the one the agent approves at wrap-up. */
  #reviewable(summary) {
    if (this.live || !this.actions.onApprove) return false;
    const current = this.summaries
      .filter((s) => ["final", "approved"].includes(s.kind) && String(s.status).toUpperCase() === "COMPLETED")
      .reduce((best, s) => (!best || Number(s.version) > Number(best.version) ? s : best), null);
    return Boolean(current) && Number(current.version) === Number(summary.version);
  }

  async #review(summary, button) {
    button.disabled = true;
    try {
      this.specs ??= await this.actions.loadSections();
    } catch (error) {
      button.disabled = false;
      this.status.textContent = `The summary cannot be edited now: ${error.message}`;
      return;
    }
    const version = Number(summary.version);
    const form = new ApprovalForm(summary, this.specs, {
      onApprove: (sections) => this.actions.onApprove(version, sections),
      onCancel: () => this.#stopEditing(),
      onDone: (approved) => {
        this.approvedVersion = Number(approved.version);
        this.chosenVersion = null;
        this.#stopEditing();
        this.status.textContent = `Approved: version ${approved.version} is the call's summary now.`;
      },
    });
    this.editing = form;
    const article = this.body.querySelector("article.summary");
    const shown = article.querySelector("dl.sections");
    if (shown) shown.replaceWith(form.element);
    else article.append(form.element);
    button.remove();
    form.focus();
  }

  #stopEditing() {
    this.editing = null;
    this.renderedSignature = null;
    this.update(this.summaries);
    this.body.querySelector("h3")?.focus();
  }

  async #retry(version, button) {
    button.disabled = true;
    this.retrying.add(version);
    this.status.textContent = `Retrying version ${version}…`;
    try {
      await this.actions.onRetry(version);
      this.status.textContent = `Retry of version ${version} requested.`;
    } catch (error) {
      this.retrying.delete(version);
      button.disabled = false;
      this.status.textContent = `The retry could not be requested: ${error.message}`;
    }
  }

  #render(newest) {
    if (!this.summaries.length) {
      replaceChildren(this.versions);
      replaceChildren(
        this.body,
        emptyState(
          "No summary yet.",
          this.live
            ? "The final summary is written when the call ends. Press “Summarize now” for one of the call so far."
            : "The summary is being written and appears here shortly.",
        ),
      );
      return;
    }
    const shown = this.chosenVersion ?? newest;
    const list = h(
      "ol",
      { class: "version-list", "aria-label": "Summary versions, newest first" },
      this.summaries.map((summary) => {
        const version = Number(summary.version);
        const current = version === shown;
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: ["version", current && "is-current"],
              "aria-pressed": current ? "true" : "false",
              "data-version": version,
              "data-kind": summary.kind,
              "data-status": String(summary.status).toUpperCase(),
              onclick: () => {
                this.chosenVersion = version === newest ? null : version;
                this.#render(this.newestVersion);
                this.body.querySelector("h3")?.focus();
              },
            },
            h("span", { class: "version-number" }, `v${version}`),
            h("span", { class: "version-kind" }, titleCase(summary.kind || "summary")),
            badge(summary.status, { className: "version-status" }),
            h("span", { class: "version-time muted" }, formatTime(summary.createdAt)),
          ),
        );
      }),
    );
    replaceChildren(this.versions, h("h3", { class: "subheading", id: "versions-heading" }, "Versions"), list);
    const summary = this.summaries.find((s) => Number(s.version) === shown) ?? this.summaries[0];
    replaceChildren(this.body, this.#renderSummary(summary));
  }

  #renderSummary(summary) {
    const status = String(summary.status).toUpperCase();
    const version = Number(summary.version);
    const title = h(
      "h3",
      { class: "summary-title", tabindex: "-1", id: "summary-title" },
      `${titleCase(summary.kind || "summary")} summary`,
      h("span", { class: "muted" }, ` · version ${version}`),
    );
    const meta = h(
      "p",
      { class: "summary-meta muted small" },
      [
        summary.createdAt ? `Written ${formatTime(summary.createdAt, { seconds: true })}` : null,
        summary.provider ? `by ${summary.provider}${summary.model ? ` (${summary.model})` : ""}` : null,
        Number(summary.estimatedCostUsd) > 0 ? `~$${Number(summary.estimatedCostUsd).toFixed(4)}` : null,
      ]
        .filter(Boolean)
        .join(" · "),
    );
    const parts = [h("div", { class: "summary-head" }, title, badge(status)), meta];
    if (summary.fallbackFrom) {
      const why = FAILURE_REASONS[String(summary.fallbackReason || "").toUpperCase()] || "It failed.";
      parts.push(
        h(
          "p",
          { class: "small fallback-note" },
          `Written by ${summary.provider} because ${summary.fallbackFrom} could not: ${why}`,
        ),
      );
    }
    const redacted = describeRedactions(summary.piiRedactions);
    if (redacted) {
      parts.push(h("p", { class: "small pii-note" }, `Hidden from the model: ${redacted}.`));
    }
    const retry = () => {
      const button = h(
        "button",
        { type: "button", class: "btn btn--secondary retry", onclick: (event) => this.#retry(version, event.currentTarget) },
        `Retry version ${version}`,
      );
      if (this.retrying.has(version)) button.disabled = true;
      return button;
    };
    if (status === "FAILED") {
      const reason = FAILURE_REASONS[String(summary.failureReason || "").toUpperCase()];
      parts.push(
        h(
          "div",
          { class: "callout callout--bad" },
          h("p", { class: "callout-title" }, "This summary failed."),
          reason ? h("p", { class: "failure-reason" }, reason) : null,
          summary.error ? h("p", { class: "mono small error-text" }, summary.error) : null,
          // `retryable`: throttling, a timeout or a provider outage; the sweeper tries such a final again.
          summary.retryable
            ? h("p", { class: "small retry-note" }, "The error looks temporary: it is tried again automatically. You can also retry now.")
            : null,
          retry(),
        ),
      );
    } else if (status === "PENDING" && String(summary.failureReason || "").toUpperCase() === "THROTTLED") {
      // Put back on its queue while the model is throttled (docs/summarization.md, "Throttling").
      const next = String(summary.error || "").match(/(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/);
      const when = next ? ` at ${formatTime(next[1], { seconds: true })}` : " shortly";
      parts.push(
        h(
          "div",
          { class: "callout callout--warn waiting-throttled" },
          h("span", { class: "spinner", "aria-hidden": "true" }),
          ` The model is busy (throttled): the summary is tried again${when}.`,
        ),
      );
    } else if (status === "PENDING") {
      const written = Date.parse(summary.createdAt || "");
      const overdue = Number.isFinite(written) && Date.now() - written > PENDING_OVERDUE_MS;
      parts.push(
        overdue
          ? h(
              "div",
              { class: "callout callout--warn" },
              h("p", {}, "This summary is taking longer than the summarizer is allowed to run."),
              retry(),
            )
          : h("div", { class: "callout" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Writing the summary…"),
      );
    } else if (status === "STALE") {
      parts.push(
        h(
          "div",
          { class: "callout callout--warn" },
          h("p", {}, "The transcript changed after this version was written; a newer one follows."),
          retry(),
        ),
      );
    }
    if (summary.kind === "approved") {
      parts.push(
        h(
          "p",
          { class: "small approved-note" },
          `Approved by ${summary.approvedBy || "unknown"}`,
          summary.basedOn ? ` from version ${summary.basedOn}` : "",
          summary.createdAt ? ` at ${formatTime(summary.createdAt, { seconds: true })}` : "",
          ".",
        ),
      );
    }
    if (this.#reviewable(summary)) {
      parts.push(
        h(
          "button",
          { type: "button", class: "btn btn--primary review", onclick: (event) => this.#review(summary, event.currentTarget) },
          summary.kind === "approved" ? "Edit and approve again" : "Review and approve",
        ),
      );
    }
    const sections = Object.entries(summary.sections || {});
    if (sections.length) {
      parts.push(
        h(
          "dl",
          { class: "sections" },
          sections.map(([name, value]) => [
            h("dt", {}, humanize(name)),
            h("dd", {}, isEmail(name, value) ? this.#email(String(value)) : renderValue(value)),
          ]),
        ),
      );
    } else if (status === "COMPLETED") {
      parts.push(h("p", { class: "muted" }, "This summary has no sections."));
    }
    return h("article", { class: "summary", "aria-labelledby": "summary-title", "data-version": version }, parts);
  }
}

/** What each FAILED version's `failureReason` (contracts.FailureReason) means to an agent. */
export const FAILURE_REASONS = {
  THROTTLED: "The model service was busy (throttled).",
  TIMEOUT: "The model did not answer in time.",
  INVALID_OUTPUT: "The model's answer could not be used.",
  CONTENT_FILTERED: "The model's answer was blocked by a content filter.",
  TRANSCRIPT_EMPTY: "Nothing had been said yet.",
  PROVIDER_ERROR: "The model service returned an error.",
  TOO_LONG: "The call or its summary is too long.",
};

/** A PENDING version older than this outlived the summarizer's 300 s timeout and its lease. */
const PENDING_OVERDUE_MS = 6 * 60 * 1000;

/** Text as paragraphs, lists as bullet lists, enum values (one short token) and booleans as badges. */
export function renderValue(value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) {
    return h("span", { class: "muted" }, "Not stated");
  }
  if (typeof value === "boolean") return badge(value ? "yes" : "no");
  if (typeof value === "number") return h("span", {}, String(value));
  if (Array.isArray(value)) {
    return h("ul", { class: "section-list" }, value.map((item) => h("li", {}, renderValue(item))));
  }
  if (typeof value === "object") {
    return h(
      "dl",
      { class: "section-object" },
      Object.entries(value).map(([key, inner]) => [h("dt", {}, humanize(key)), h("dd", {}, renderValue(inner))]),
    );
  }
  const text = String(value).trim();
  if (ENUM_LIKE.test(text) && /[A-Za-z]/.test(text)) return badge(text, { className: "enum" });
  const paragraphs = text.split(/\n{2,}/);
  if (paragraphs.length === 1) return h("p", { class: "section-text" }, text);
  return paragraphs.map((paragraph) => h("p", { class: "section-text" }, paragraph));
}

const PII_NAMES = {
  CARD: ["card number", "card numbers"],
  SSN: ["social security number", "social security numbers"],
  EMAIL: ["e-mail address", "e-mail addresses"],
  PHONE: ["phone number", "phone numbers"],
  IBAN: ["IBAN", "IBANs"],
};

/** {"CARD": 1, "PHONE": 2} -> "1 card number, 2 phone numbers" (what the model saw as tags). */
export function describeRedactions(counts) {
  if (!counts || typeof counts !== "object") return "";
  return Object.entries(counts)
    .filter(([, n]) => Number(n) > 0)
    .map(([type, n]) => {
      const [one, many] = PII_NAMES[type] ?? [type.toLowerCase(), type.toLowerCase()];
      return `${Number(n)} ${Number(n) === 1 ? one : many}`;
    })
    .join(", ");
}

/** A section that is an email: named so, or text that starts with a subject line. */
export function isEmail(name, value) {
  return typeof value === "string" && (/email/i.test(name) || /^Subject:/.test(value.trim()));
}
