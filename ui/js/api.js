// The HTTP API (handlers/api.py). Responses are normalised here so views see one shape.

export class ApiError extends Error {
  constructor(message, status, data = null) {
    super(message);
    this.status = status; // 0: network failure
    this.data = data; // the error body: {message, error, field?, currentVersion?}
  }
}

export class Api {
  constructor(config, auth) {
    this.base = config.apiBase;
    this.auth = auth;
  }

  async #request(method, path, { query, body } = {}) {
    const url = new URL(`${this.base}${path}`, window.location.href);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
    }
    const headers = { Accept: "application/json" };
    const token = await this.auth.freshToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new ApiError("The server could not be reached.", 0);
    }
    if (response.status === 401 && this.auth.enabled) {
      await this.auth.handleUnauthorized();
      throw new ApiError("Your session has expired. Signing in again…", 401);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const detail = data?.message || data?.error || response.statusText || "request failed";
      throw new ApiError(`${detail} (HTTP ${response.status})`, response.status, data);
    }
    return data ?? {};
  }

  /** Calls of a UTC day, newest first: {calls, nextCursor}. */
  async listCalls(day, cursor) {
    const data = await this.#request("GET", "/calls", { query: { day, cursor } });
    return {
      calls: data.calls ?? data.items ?? [],
      nextCursor: data.nextCursor ?? data.cursor ?? null,
    };
  }

  /** The call record and the segments changed since `since`: {call, segments, cursor}. */
  async getCall(callId, since) {
    const data = await this.#request("GET", `/calls/${encodeURIComponent(callId)}`, { query: { since } });
    return {
      call: data.call ?? data,
      segments: data.segments ?? [],
      cursor: data.nextCursor ?? data.cursor ?? since ?? null,
    };
  }

  /** Every summary version, newest first. */
  async listSummaries(callId) {
    const data = await this.#request("GET", `/calls/${encodeURIComponent(callId)}/summaries`);
    const list = Array.isArray(data) ? data : (data.summaries ?? data.items ?? []);
    return [...list].sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
  }

  /** "Summarize now": asks for an interim summary of the transcript so far. */
  requestSummary(callId) {
    return this.#request("POST", `/calls/${encodeURIComponent(callId)}/summaries`, { body: {} });
  }

  /** A ticket to watch the live call over the WebSocket API: {url, ticket, expiresInSeconds}. */
  openLive(callId) {
    return this.#request("POST", `/calls/${encodeURIComponent(callId)}/live`, { body: {} });
  }

  /** The deployment's section list: what an approved summary may hold. */
  async listSections() {
    const data = await this.#request("GET", "/sections");
    return data.sections ?? [];
  }

  /** Approve `version` with the agent's corrected sections: the approved version. */
  async approveSummary(callId, version, sections) {
    const data = await this.#request(
      "POST",
      `/calls/${encodeURIComponent(callId)}/summaries/${encodeURIComponent(version)}/approve`,
      { body: { sections } },
    );
    return data.approved ?? data;
  }

  retrySummary(callId, version) {
    return this.#request(
      "POST",
      `/calls/${encodeURIComponent(callId)}/summaries/${encodeURIComponent(version)}/retry`,
      { body: {} },
    );
  }
}
