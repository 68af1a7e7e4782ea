// Cognito hosted UI sign-in: OAuth 2.0 authorization code flow with PKCE (public client,
// no secret in the page). Tokens stay in sessionStorage: they die with the tab and are
// never shared with other tabs or written to disk by us.

const TOKEN_KEY = "callrecap.token";
const PKCE_KEY = "callrecap.pkce";

function base64url(bytes) {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(byteCount = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

async function challengeFor(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(digest);
}

export class AuthError extends Error {}

const ROLE_OF_GROUP = { admins: "Admin", supervisors: "Supervisor", agents: "Agent" };

/** Claims of a JWT, unverified (display only: the API decides from the verified token). */
function claimsOf(jwt) {
  try {
    return JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return {};
  }
}

/** The role a list of Cognito groups grants, the strongest first (as the API decides). */
export function roleOf(groups) {
  for (const group of ["admins", "supervisors", "agents"]) if (groups.includes(group)) return ROLE_OF_GROUP[group];
  return "No role";
}

/** Signs the agent in (when config.auth is set) and hands out the bearer token. */
export class Auth {
  constructor(authConfig) {
    this.config = authConfig; // null: no sign-in (local stack)
  }

  get enabled() {
    return Boolean(this.config);
  }

  /** Token if signed in and not about to expire, else null. */
  token() {
    if (!this.enabled) return null;
    const stored = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    if (!stored || !stored.accessToken || Date.now() > stored.expiresAt - 30_000) return null;
    return stored.accessToken;
  }

  /**
   * A usable token, renewing the session with the refresh token when the access token is about
   * to expire (Cognito's access tokens last an hour; the refresh token, days), so the agent is
   * not sent back to the sign-in page every hour. Null when there is none and none can be had.
   */
  async freshToken() {
    const token = this.token();
    if (token || !this.enabled) return token;
    const stored = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    if (!stored?.refreshToken) return null;
    this.renewing ??= this.#renew(stored.refreshToken).finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  async #renew(refreshToken) {
    const response = await fetch(`${this.config.cognitoDomain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: this.config.clientId, refresh_token: refreshToken }),
    });
    if (!response.ok) return null; // revoked or expired: the 401 path signs in again
    this.#store(await response.json(), refreshToken);
    return this.token();
  }

  #store(body, previousRefreshToken = null) {
    sessionStorage.setItem(
      TOKEN_KEY,
      JSON.stringify({
        accessToken: body.access_token,
        idToken: body.id_token || null,
        refreshToken: body.refresh_token || previousRefreshToken,
        expiresAt: Date.now() + (Number(body.expires_in) || 3600) * 1000,
      }),
    );
  }

  /** Name to show in the header, from the ID token's claims (not verified: display only). */
  userName() {
    const stored = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    if (!stored?.idToken) return null;
    const claims = claimsOf(stored.idToken);
    return claims.email || claims["cognito:username"] || null;
  }

  /** Role to show in the header, from the access token's groups (the API enforces it). */
  roleName() {
    const stored = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
    const groups = claimsOf(stored?.accessToken || "")["cognito:groups"] || [];
    return roleOf(Array.isArray(groups) ? groups : [groups]);
  }

  /**
   * Call once at start-up. Finishes a sign-in if the hosted UI just redirected back with a
   * code, otherwise starts one when there is no usable token. Resolves true when the page can
   * go on (signed in, or no sign-in needed); false while the browser is being redirected.
   */
  async ensureSignedIn() {
    if (!this.enabled) return true;
    const params = new URLSearchParams(window.location.search);
    if (params.has("code") || params.has("error")) {
      await this.#finishSignIn(params);
      return true;
    }
    if (await this.freshToken()) return true;
    await this.signIn();
    return false;
  }

  async signIn() {
    const verifier = randomString(48);
    const state = randomString(16);
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo: window.location.hash }));
    const url = new URL(`${this.config.cognitoDomain}/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: this.config.clientId,
      redirect_uri: this.config.redirectUri,
      scope: this.config.scopes,
      state,
      code_challenge_method: "S256",
      code_challenge: await challengeFor(verifier),
    }).toString();
    window.location.assign(url.toString());
  }

  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (!this.enabled) return;
    const url = new URL(`${this.config.cognitoDomain}/logout`);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      logout_uri: this.config.logoutUri || this.config.redirectUri,
    }).toString();
    window.location.assign(url.toString());
  }

  /** The API said 401: the token was revoked or expired early. Forget it and sign in again. */
  async handleUnauthorized() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (this.enabled) await this.signIn();
  }

  async #finishSignIn(params) {
    const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
    sessionStorage.removeItem(PKCE_KEY);
    const cleanUrl = `${window.location.pathname}${pending?.returnTo || ""}`;
    window.history.replaceState(null, "", cleanUrl);
    if (params.has("error")) {
      throw new AuthError(`Sign-in failed: ${params.get("error_description") || params.get("error")}.`);
    }
    if (!pending || pending.state !== params.get("state")) {
      throw new AuthError("Sign-in could not be verified (state mismatch). Reload the page to try again.");
    }
    const response = await fetch(`${this.config.cognitoDomain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: this.config.clientId,
        code: params.get("code"),
        redirect_uri: this.config.redirectUri,
        code_verifier: pending.verifier,
      }),
    });
    if (!response.ok) throw new AuthError(`Sign-in failed: the token endpoint answered HTTP ${response.status}.`);
    this.#store(await response.json());
  }
}
