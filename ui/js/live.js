// Live updates over the WebSocket API (docs/ui.md, "Live updates"): the page asks the API for a
// ticket (POST /calls/{id}/live), opens the socket with it, and is pushed each batch of segments
// the moment ingest stores them, instead of polling twice a second.
//
// - Hidden tab: the socket is closed (no requests, no messages); it reopens when the tab shows.
// - Lost socket: reopened with a new ticket after 1 s, 2 s, 4 s … at most 30 s; meanwhile the
//   page polls at its live rate (onState tells it).
// - A deployment without the WebSocket API answers 501: the channel gives up and the page polls.

const TICKET_PARAM = "ticket";
const MAX_BACKOFF_MS = 30_000;

export class LiveChannel {
  /**
   * @param {{api: any, callId: string, onMessage: (m: any) => void, onState: (open: boolean) => void}} options
   */
  constructor({ api, callId, onMessage, onState }) {
    this.api = api;
    this.callId = callId;
    this.onMessage = onMessage;
    this.onState = onState;
    this.socket = null;
    this.open = false;
    this.stopped = false;
    this.unavailable = false; // this deployment has no live updates
    this.failures = 0;
    this.timer = null;
    this.onVisibility = () => {
      if (document.hidden) this.#close();
      else this.connect();
    };
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  /** Open the socket unless it is open, opening, stopped or not wanted (hidden tab). */
  async connect() {
    if (this.stopped || this.unavailable || this.socket || document.hidden) return;
    clearTimeout(this.timer);
    let grant;
    this.socket = "opening"; // one ticket request at a time
    try {
      grant = await this.api.openLive(this.callId);
    } catch (error) {
      this.socket = null;
      if (error.status === 501 || error.status === 404 || error.status === 409) {
        this.unavailable = error.status === 501;
        if (error.status !== 501) this.stop(); // another agent's call, or it has ended
        return;
      }
      this.#retryLater();
      return;
    }
    if (this.stopped || document.hidden) {
      this.socket = null;
      return;
    }
    const separator = grant.url.includes("?") ? "&" : "?";
    const socket = new WebSocket(`${grant.url}${separator}${TICKET_PARAM}=${encodeURIComponent(grant.ticket)}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.open = true;
      this.failures = 0;
      this.onState(true);
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // not ours
      }
      if (message && message.callId === this.callId) this.onMessage(message);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return; // closed on purpose, already replaced
      this.socket = null;
      const wasOpen = this.open;
      this.open = false;
      if (wasOpen) this.onState(false);
      this.#retryLater();
    });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.#close();
  }

  #close() {
    const socket = this.socket;
    this.socket = null;
    if (socket && socket !== "opening") socket.close();
    if (this.open) {
      this.open = false;
      this.onState(false);
    }
  }

  #retryLater() {
    if (this.stopped || document.hidden) return;
    this.failures += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 5));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
