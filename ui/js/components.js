// Small building blocks shared by the views: badges and the loading / empty / error states.
import { h } from "./dom.js";
import { titleCase, toneOf } from "./format.js";

/** A status or enum value as a pill. The text always carries the meaning; colour only helps. */
export function badge(value, { label, tone, className } = {}) {
  const text = label ?? titleCase(value);
  return h("span", { class: ["badge", `badge--${tone ?? toneOf(value)}`, className] }, text);
}

export function liveBadge(status) {
  if (String(status).toUpperCase() === "LIVE") {
    return h("span", { class: "badge badge--live" }, h("span", { class: "pulse", "aria-hidden": "true" }), "Live");
  }
  return badge(status || "unknown", { label: status ? titleCase(status) : "Unknown", tone: "neutral" });
}

export function loadingState(text = "Loading…") {
  return h("div", { class: "state state--loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

export function emptyState(title, hint) {
  return h(
    "div",
    { class: "state state--empty", role: "status" },
    h("p", { class: "state-title" }, title),
    hint ? h("p", { class: "state-hint" }, hint) : null,
  );
}

/** role=alert so the failure is announced; the retry button gets focus-able right away. */
export function errorState(title, detail, onRetry) {
  return h(
    "div",
    { class: "state state--error", role: "alert" },
    h("p", { class: "state-title" }, title),
    detail ? h("p", { class: "state-hint" }, detail) : null,
    onRetry ? h("button", { type: "button", class: "btn btn--secondary", onclick: onRetry }, "Try again") : null,
  );
}
