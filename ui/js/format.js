// Formatting of times, durations, numbers and labels: one place so every view agrees.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const timeSecondsFormat = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

function parse(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatTime(iso, { seconds = false } = {}) {
  const date = parse(iso);
  if (!date) return "—";
  return (seconds ? timeSecondsFormat : timeFormat).format(date);
}

export function formatDateTime(iso) {
  const date = parse(iso);
  return date ? dateTimeFormat.format(date) : "—";
}

/** Clock-style length: 4:05, 1:02:03. */
export function formatClock(totalSeconds) {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return "—";
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Spoken form for screen readers: "4 minutes 5 seconds". */
export function describeClock(totalSeconds) {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return "unknown";
  const s = Math.max(0, Math.floor(totalSeconds));
  const parts = [];
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours) parts.push(`${hours} hour${hours === 1 ? "" : "s"}`);
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  parts.push(`${s % 60} second${s % 60 === 1 ? "" : "s"}`);
  return parts.join(" ");
}

/** Seconds between the call's start and its end (or now, while live). */
export function callDurationSeconds(call, now = Date.now()) {
  const start = parse(call?.startedAt);
  if (!start) return null;
  const end = parse(call?.endedAt);
  const until = end ? end.getTime() : call?.status === "LIVE" ? now : null;
  if (until === null) return null;
  return (until - start.getTime()) / 1000;
}

export function formatNumber(number) {
  return number ? String(number) : "Unknown";
}

/** A call's heading: its topic once a summary gave an informative one (a final, or an interim of a
 * long enough transcript: the server decides), else who called and when. */
export function callTitle(call) {
  if (call.topic) return String(call.topic);
  const time = call.startedAt ? formatTime(call.startedAt) : "";
  const at = time && time !== "—" ? ` at ${time}` : "";
  return call.fromNumber ? `Call from ${call.fromNumber}${at}` : `Call${at}`;
}

/** "action_items" -> "Action items", "customerSentiment" -> "Customer sentiment". */
export function humanize(name) {
  const words = String(name)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "NEGATIVE" -> "Negative", "not_resolved" -> "Not resolved". */
export function titleCase(value) {
  return humanize(String(value).toLowerCase());
}

export const SPEAKER_LABELS = {
  AGENT: "Agent",
  CUSTOMER: "Customer",
  SUPERVISOR: "Supervisor",
  SYSTEM: "System",
  BOT: "Bot",
  UNKNOWN: "Speaker",
};

export function speakerLabel(speaker) {
  return SPEAKER_LABELS[String(speaker || "").toUpperCase()] || titleCase(speaker || "Speaker");
}

/** YYYY-MM-DD of a Date in UTC: the call list is partitioned by the UTC day a call started. */
export function utcDay(date = new Date()) {
  return date.toISOString().slice(0, 10);
}

export function shiftDay(day, delta) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + delta);
  return utcDay(date);
}

export function isDay(value) {
  return /^\d{4}-\d{2}-\d{2}$/.test(value || "") && !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime());
}

/** Tone class for a status/enum value, so badges look alike across the page. */
export function toneOf(value) {
  const v = String(value ?? "").toLowerCase();
  if (["live", "pending", "requested", "in_progress", "retrying"].includes(v)) return "info";
  if (["completed", "delivered", "positive", "yes", "true", "resolved", "ok", "success", "succeeded"].includes(v))
    return "good";
  if (["failed", "negative", "error", "no", "false", "unresolved", "not_resolved", "dead_letter"].includes(v))
    return "bad";
  if (["mixed", "partially_resolved", "partial", "stale", "escalated", "skipped"].includes(v)) return "warn";
  return "neutral";
}
