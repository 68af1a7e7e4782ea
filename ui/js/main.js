// Start-up: read config.json, sign in if the deployment asks for it, then route by URL hash.
import { Api } from "./api.js";
import { Auth } from "./auth.js";
import { errorState } from "./components.js";
import { loadConfig } from "./config.js";
import { h, replaceChildren } from "./dom.js";
import { parseRoute } from "./router.js";
import { mountCallDetail } from "./views/call-detail.js";
import { mountCallList } from "./views/call-list.js";

const main = document.getElementById("main");
let current = null;

/** "agent:agent-ray" -> "Agent agent-ray": the local stack's `--as` viewer. */
function localViewer(viewer) {
  const [role, identity] = String(viewer || "admin").split(":");
  const name = { admin: "Admin", supervisor: "Supervisor", agent: "Agent" }[role] || role;
  return identity ? `${name} ${identity}` : name;
}

function renderAccount(auth, config) {
  const slot = document.getElementById("account");
  if (!auth.enabled) {
    replaceChildren(slot, h("span", { class: "env-note" }, `Local · signed in as ${localViewer(config.viewer)}`));
    return;
  }
  replaceChildren(
    slot,
    h("span", { class: "user" }, `${auth.userName() || "Signed in"} · ${auth.roleName()}`),
    h("button", { type: "button", class: "btn btn--ghost btn--on-dark", onclick: () => auth.signOut() }, "Sign out"),
  );
}

function show(ctx, { focus }) {
  current?.unmount();
  const route = parseRoute();
  const mount = route.name === "call" ? mountCallDetail : mountCallList;
  // After a navigation, focus moves to the new view's heading so keyboard and screen reader
  // users land on what changed; on the first load it stays at the top of the document.
  current = mount(main, { ...ctx, route, focusHeading: focus });
}

async function start() {
  let config;
  let auth;
  try {
    config = await loadConfig();
    auth = new Auth(config.auth);
    if (!(await auth.ensureSignedIn())) return; // redirected to the sign-in page
  } catch (error) {
    replaceChildren(main, errorState("The page could not start.", error.message, () => window.location.reload()));
    return;
  }
  renderAccount(auth, config);
  const ctx = { api: new Api(config, auth), config };
  show(ctx, { focus: false });
  window.addEventListener("hashchange", () => show(ctx, { focus: true }));
}

// The skip link must not touch the hash: the hash is the route.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

start();
