// config.json lives beside index.html. Locally: {"apiBase": "/api", "auth": null}.
// Deployed, the stack writes it: {"apiBase": "https://…", "auth": {cognitoDomain, clientId, redirectUri}}.

const DEFAULTS = {
  apiBase: "/api",
  auth: null,
  pollIntervalMs: 500, // transcript refresh while a call is live without live updates (docs/ui.md)
  liveReconcileMs: 30_000, // while live updates are pushed: one safety read of the call this often
  listPollIntervalMs: 5000, // call list refresh
};

export class ConfigError extends Error {}

export async function loadConfig() {
  let response;
  try {
    response = await fetch("config.json", { cache: "no-store" });
  } catch (error) {
    throw new ConfigError(`config.json could not be fetched (${error.message}).`);
  }
  if (!response.ok) throw new ConfigError(`config.json answered HTTP ${response.status}.`);
  let raw;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError("config.json is not valid JSON.");
  }
  const config = { ...DEFAULTS, ...raw };
  if (typeof config.apiBase !== "string" || !config.apiBase) {
    throw new ConfigError("config.json has no apiBase.");
  }
  config.apiBase = config.apiBase.replace(/\/+$/, "");
  if (config.auth) {
    for (const key of ["cognitoDomain", "clientId", "redirectUri"]) {
      if (!config.auth[key]) throw new ConfigError(`config.json auth has no ${key}.`);
    }
    let domain = config.auth.cognitoDomain.replace(/\/+$/, "");
    if (!/^https?:\/\//.test(domain)) domain = `https://${domain}`;
    config.auth = { scopes: "openid email", ...config.auth, cognitoDomain: domain };
  }
  return config;
}
