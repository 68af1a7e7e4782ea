// Hash routes, so the page works from any static host (S3 + CloudFront, the local server)
// without rewrite rules:  #/  #/?day=YYYY-MM-DD  #/calls/<callId>

export function parseRoute(hash = window.location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, queryString = ""] = raw.split("?");
  const query = new URLSearchParams(queryString);
  const callMatch = path.match(/^\/calls\/([^/]+)\/?$/);
  if (callMatch) return { name: "call", callId: decodeURIComponent(callMatch[1]), query };
  return { name: "calls", query };
}

export function callHref(callId) {
  return `#/calls/${encodeURIComponent(callId)}`;
}

export function listHref(day) {
  return day ? `#/?day=${encodeURIComponent(day)}` : "#/";
}
