// One call: its details, the transcript as it is spoken, and its summaries.
import { badge, errorState, liveBadge, loadingState } from "../components.js";
import { h, replaceChildren, srOnly } from "../dom.js";
import {
  callDurationSeconds,
  callTitle,
  describeClock,
  formatClock,
  formatDateTime,
  formatNumber,
  titleCase,
} from "../format.js";
import { LiveChannel } from "../live.js";
import { Poller } from "../poller.js";
import { listHref } from "../router.js";
import { SummaryPanel } from "../summary.js";
import { TranscriptView } from "../transcript.js";

// While the call is live, segments are pushed over the live-updates WebSocket (live.js) and the
// page reads the call only every config.liveReconcileMs (30 s) as a safety net; without the socket
// (a deployment without it, or while it reconnects) it polls every config.pollIntervalMs (500 ms:
// each poll asks only for the segments written since the cursor). Once the call has ended it
// polls ENDED_SLOWDOWN times slower until the final summary and the CRM status are in, then every
// SETTLED_POLL_MS. A hidden tab makes no requests at all (poller.js, live.js).
const ENDED_SLOWDOWN = 4;
const SETTLED_POLL_MS = 10_000;
const SUMMARIES_SAFETY_REFRESH_MS = 10_000; // besides the call record's change markers

export function mountCallDetail(container, { api, config, route, focusHeading }) {
  const callId = route.callId;
  let call = null;
  let cursor = null;
  let summaryMarker = null;
  let summariesReadAt = 0;
  let headerKey = null; // the call record last drawn: an unchanged record is not redrawn
  let live = null; // the live-updates channel while the call is live

  document.title = `Call ${callId} · callrecap`;

  const heading = h("h1", { id: "view-heading", tabindex: "-1", class: "call-title" }, "Call");
  const statusSlot = h("span", { class: "call-status" });
  const meta = h("dl", { class: "call-meta" });
  const connection = h("p", { class: "connection", role: "status" });
  const transcript = new TranscriptView();
  const summary = new SummaryPanel({
    onSummarize: async () => {
      await api.requestSummary(callId);
      poller.now();
    },
    onRetry: async (version) => {
      await api.retrySummary(callId, version);
      poller.now();
    },
    loadSections: () => api.listSections(),
    onApprove: async (version, sections) => {
      const approved = await api.approveSummary(callId, version, sections);
      poller.now();
      return approved;
    },
  });

  const page = h(
    "div",
    { class: "view view--call" },
    h(
      "nav",
      { "aria-label": "Breadcrumb", class: "breadcrumb" },
      h(
        "ol",
        {},
        h("li", {}, h("a", { href: listHref(), id: "back-to-calls" }, "Calls")),
        h("li", { "aria-current": "page" }, h("span", { class: "mono" }, callId)),
      ),
    ),
    h(
      "header",
      { class: "call-header" },
      h("div", { class: "call-heading-row" }, heading, statusSlot),
      meta,
    ),
    connection,
    h(
      "div",
      { class: "call-grid" },
      h(
        "section",
        { class: "panel panel--transcript", "aria-labelledby": "transcript-heading" },
        h(
          "div",
          { class: "panel-head" },
          h("h2", { id: "transcript-heading" }, "Transcript"),
          transcript.counter,
        ),
        transcript.element,
      ),
      h(
        "section",
        { class: "panel panel--summary", "aria-labelledby": "summary-heading" },
        h("div", { class: "panel-head" }, h("h2", { id: "summary-heading" }, "Summary"), summary.summarizeButton),
        summary.element,
      ),
    ),
  );
  const loading = loadingState("Loading the call…");

  function renderHeader() {
    const live = call.status === "LIVE";
    heading.textContent = callTitle(call);
    replaceChildren(statusSlot, liveBadge(call.status));
    const seconds = callDurationSeconds(call);
    const crm = typeof call.crmStatus === "object" && call.crmStatus ? call.crmStatus.status : call.crmStatus;
    const rows = [
      ["Started", h("time", { datetime: call.startedAt || "" }, formatDateTime(call.startedAt))],
      [
        "Duration",
        h(
          "span",
          { id: "call-duration" },
          h("span", { "aria-hidden": "true" }, formatClock(seconds)),
          srOnly(describeClock(seconds)),
          live ? h("span", { class: "muted" }, " so far") : null,
        ),
      ],
      ["From", h("span", { class: "mono" }, formatNumber(call.fromNumber))],
      ["To", h("span", { class: "mono" }, formatNumber(call.toNumber))],
      call.direction ? ["Direction", titleCase(call.direction)] : null,
      call.agentId ? ["Agent", call.agentId] : null,
      Array.isArray(call.categories) && call.categories.length
        ? ["Categories", call.categories.map((c) => badge(c, { tone: "neutral" }))]
        : null,
      [
        "CRM delivery",
        h(
          "span",
          { id: "crm-status" },
          crm ? badge(crm) : h("span", { class: "muted" }, live ? "None yet" : "Not delivered yet"),
          // The CRM's own words when it refused the summary (docs/crm.md): as text, never markup.
          call.crmError ? h("span", { class: "small crm-error" }, ` ${call.crmError}`) : null,
        ),
      ],
    ].filter(Boolean);
    replaceChildren(
      meta,
      rows.map(([term, value]) => h("div", { class: "meta-item" }, h("dt", {}, term), h("dd", {}, value))),
    );
    summary.setLive(live);
    transcript.setEnded(!live);
  }

  function showCall(record) {
    call = record;
    const key = JSON.stringify(call);
    if (key !== headerKey) {
      headerKey = key;
      renderHeader();
    }
  }

  function onPushed(message) {
    if (message.type === "segments") {
      if (Array.isArray(message.segments)) transcript.update(message.segments);
      summary.setSpeech(transcript.hasFinals);
      if (message.call && call) {
        const marker = `${message.call.latestSummaryVersion ?? ""}/${message.call.latestSummaryStatus ?? ""}`;
        showCall({ ...call, ...message.call });
        if (marker !== summaryMarker || call.status !== "LIVE") poller.now();
      }
    } else {
      poller.now(); // something else changed (the call ended): read it
    }
  }

  function followLive() {
    if (call.status === "LIVE" && !live) {
      live = new LiveChannel({ api, callId, onMessage: onPushed, onState: () => poller.now() });
      live.connect();
    } else if (call.status !== "LIVE" && live) {
      live.stop();
      live = null;
    }
  }

  async function tick() {
    const first = call === null;
    const result = await api.getCall(callId, cursor);
    cursor = result.cursor;
    if (first) {
      replaceChildren(container, page);
      if (focusHeading) heading.focus({ preventScroll: true });
    }
    showCall(result.call);
    transcript.update(result.segments);
    summary.setSpeech(transcript.hasFinals);
    connection.textContent = "";
    followLive();

    const marker = `${call.latestSummaryVersion ?? ""}/${call.latestSummaryStatus ?? ""}`;
    const due = performance.now() - summariesReadAt >= SUMMARIES_SAFETY_REFRESH_MS;
    if (first || marker !== summaryMarker || summary.expectingChange || due) {
      summaryMarker = marker;
      summariesReadAt = performance.now();
      summary.update(await api.listSummaries(callId));
    }
    document.title = `${call.topic ? call.topic : `Call ${callId}`} · callrecap`;

    if (call.status === "LIVE") {
      const pushed = live?.open && !summary.expectingChange;
      return pushed ? config.liveReconcileMs : config.pollIntervalMs;
    }
    const settled = summary.hasFinal && call.crmStatus && !summary.expectingChange;
    return settled ? SETTLED_POLL_MS : config.pollIntervalMs * ENDED_SLOWDOWN;
  }

  let poller = null;
  function startPolling() {
    replaceChildren(container, loading);
    poller = new Poller(tick, { intervalMs: config.pollIntervalMs, onError }).start();
  }

  function onError(error) {
    if (call === null) {
      poller.stop();
      const notFound = error.status === 404;
      replaceChildren(
        container,
        errorState(
          notFound ? "This call was not found." : "The call could not be loaded.",
          notFound ? `There is no call with id ${callId}.` : error.message,
          notFound ? null : startPolling,
        ),
        h("p", {}, h("a", { href: listHref() }, "Back to the calls")),
      );
      container.querySelector("[role=alert] button, a")?.focus();
    } else {
      connection.textContent = `Not up to date: ${error.message} Retrying…`;
    }
  }
  startPolling();

  const ticker = setInterval(() => {
    if (call?.status !== "LIVE") return;
    const el = container.querySelector("#call-duration");
    if (!el) return;
    const seconds = callDurationSeconds(call);
    el.firstChild.textContent = formatClock(seconds);
    el.children[1].textContent = describeClock(seconds);
  }, 1000);

  return {
    unmount() {
      poller.stop();
      live?.stop();
      clearInterval(ticker);
    },
  };
}
