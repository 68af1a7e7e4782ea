// The calls of one UTC day, newest first, refreshed by polling.
import { badge, emptyState, errorState, liveBadge, loadingState } from "../components.js";
import { h, replaceChildren, srOnly } from "../dom.js";
import {
  callDurationSeconds,
  describeClock,
  formatClock,
  formatNumber,
  formatTime,
  isDay,
  shiftDay,
  utcDay,
} from "../format.js";
import { Poller } from "../poller.js";
import { callHref, listHref } from "../router.js";

/** @param {{api: import("../api.js").Api, config: object, route: object}} ctx */
export function mountCallList(container, { api, config, route, focusHeading }) {
  const requested = route.query.get("day");
  const day = isDay(requested) ? requested : utcDay();
  const calls = new Map(); // callId -> call, merged across refreshes and "load more"
  let nextCursor = null;
  let loaded = false;
  let lastError = null;

  document.title = `Calls ${day} · callrecap`;

  const heading = h("h1", { id: "view-heading", tabindex: "-1" }, "Calls");
  const dayInput = h("input", {
    type: "date",
    id: "day",
    name: "day",
    value: day,
    max: utcDay(),
    onchange: (event) => {
      if (isDay(event.target.value)) window.location.hash = listHref(event.target.value);
    },
  });
  const updated = h("p", { class: "muted small", id: "list-updated" });
  const connection = h("p", { class: "connection", role: "status" });
  const body = h("div", { class: "list-body" }, loadingState("Loading calls…"));

  replaceChildren(
    container,
    h(
      "section",
      { class: "view view--list", "aria-labelledby": "view-heading" },
      h(
        "div",
        { class: "view-head" },
        h("div", {}, heading, h("p", { class: "muted" }, "Live and ended calls, newest first. Refreshes by itself.")),
        h(
          "div",
          { class: "day-picker", role: "group", "aria-label": "Day" },
          h("a", { class: "btn btn--ghost", href: listHref(shiftDay(day, -1)) }, h("span", { "aria-hidden": "true" }, "‹ "), "Previous day"),
          h("label", { for: "day", class: "day-label" }, "Day (UTC)"),
          dayInput,
          day < utcDay()
            ? h("a", { class: "btn btn--ghost", href: listHref(shiftDay(day, 1)) }, "Next day", h("span", { "aria-hidden": "true" }, " ›"))
            : null,
          day !== utcDay() ? h("a", { class: "btn btn--ghost", href: listHref() }, "Today") : null,
        ),
      ),
      connection,
      body,
      updated,
    ),
  );

  if (focusHeading) heading.focus({ preventScroll: true });

  function sortedCalls() {
    return [...calls.values()].sort((a, b) => String(b.startedAt || "").localeCompare(String(a.startedAt || "")));
  }

  let renderedSignature = null;

  function render() {
    if (!loaded) {
      // Redraw the error only when it changes, so a focused "Try again" keeps its focus.
      if (lastError && body.dataset.error !== lastError.message) {
        body.dataset.error = lastError.message;
        replaceChildren(body, errorState("The calls could not be loaded.", lastError.message, () => poller.now()));
      }
      return;
    }
    const rows = sortedCalls();
    // Polling must not rebuild an unchanged table: that would drop the keyboard focus.
    const signature = JSON.stringify([rows, Boolean(nextCursor)]);
    if (signature === renderedSignature) return;
    renderedSignature = signature;
    const focusedCallId = document.activeElement?.closest?.("[data-call-id]")?.dataset.callId;
    if (!rows.length) {
      replaceChildren(
        body,
        emptyState(
          `No calls on ${day}.`,
          day === utcDay() ? "New calls appear here as soon as they start." : "Pick another day above.",
        ),
      );
      return;
    }
    const live = rows.filter((call) => call.status === "LIVE").length;
    const table = h(
      "table",
      { class: "calls-table" },
      h("caption", { class: "sr-only" }, `Calls on ${day}: ${rows.length}, ${live} live. Newest first.`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Call", "Status", "Started", "Duration", "From", "To", "Summary", "CRM"].map((title) => h("th", { scope: "col" }, title)),
        ),
      ),
      h("tbody", {}, rows.map(rowFor)),
    );
    replaceChildren(
      body,
      h("p", { class: "list-count muted" }, `${rows.length} call${rows.length === 1 ? "" : "s"}`, live ? ` · ${live} live` : ""),
      h("div", { class: "table-wrap" }, table),
      nextCursor
        ? h("button", { type: "button", class: "btn btn--secondary load-more", onclick: loadMore }, "Load more calls")
        : null,
    );
    if (focusedCallId) body.querySelector(`tr[data-call-id="${CSS.escape(focusedCallId)}"] a`)?.focus();
  }

  function rowFor(call) {
    const seconds = callDurationSeconds(call);
    const topic = call.topic ? String(call.topic) : null;
    return h(
      "tr",
      { class: call.status === "LIVE" ? "is-live" : "", "data-call-id": call.callId },
      h(
        "td",
        { class: "cell-call" },
        h("a", { href: callHref(call.callId), class: "call-link" }, topic || (call.status === "LIVE" ? "Call in progress" : "Untitled call")),
        h("span", { class: "call-id mono" }, call.callId),
      ),
      h("td", {}, liveBadge(call.status)),
      h("td", {}, h("time", { datetime: call.startedAt || "" }, formatTime(call.startedAt))),
      h(
        "td",
        { class: "num", "data-duration-of": call.status === "LIVE" ? call.startedAt : null },
        h("span", { "aria-hidden": "true" }, formatClock(seconds)),
        srOnly(describeClock(seconds)),
      ),
      h("td", { class: "mono" }, formatNumber(call.fromNumber)),
      h("td", { class: "mono" }, formatNumber(call.toNumber)),
      h("td", {}, call.latestSummaryStatus ? badge(call.latestSummaryStatus) : h("span", { class: "muted" }, "None yet")),
      h("td", {}, call.crmStatus ? badge(call.crmStatus) : h("span", { class: "muted" }, "—")),
    );
  }

  async function refresh() {
    const page = await api.listCalls(day);
    for (const call of page.calls) calls.set(call.callId, call);
    if (!loaded) nextCursor = page.nextCursor;
    loaded = true;
    lastError = null;
    connection.textContent = "";
    updated.textContent = `Updated ${formatTime(new Date().toISOString(), { seconds: true })}`;
    render();
  }

  async function loadMore(event) {
    const button = event.currentTarget;
    button.disabled = true;
    button.textContent = "Loading…";
    try {
      const page = await api.listCalls(day, nextCursor);
      for (const call of page.calls) calls.set(call.callId, call);
      nextCursor = page.nextCursor;
      render();
      (body.querySelector(".load-more") ?? body.querySelector("tbody tr:last-child a"))?.focus();
    } catch (error) {
      button.disabled = false;
      button.textContent = "Load more calls";
      connection.textContent = `More calls could not be loaded: ${error.message}`;
    }
  }

  const poller = new Poller(refresh, {
    intervalMs: config.listPollIntervalMs,
    onError: (error) => {
      lastError = error;
      if (loaded) connection.textContent = `Not up to date: ${error.message} Retrying…`;
      render();
    },
  }).start();

  // Live calls' durations tick every second without re-fetching.
  const ticker = setInterval(() => {
    for (const cell of container.querySelectorAll("[data-duration-of]")) {
      const seconds = callDurationSeconds({ startedAt: cell.dataset.durationOf, status: "LIVE" });
      cell.firstChild.textContent = formatClock(seconds);
      cell.lastChild.textContent = describeClock(seconds);
    }
  }, 1000);

  return {
    unmount() {
      poller.stop();
      clearInterval(ticker);
    },
  };
}
