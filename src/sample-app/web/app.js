// SPDX-License-Identifier: GPL-3.0-or-later
//
// Acme Bank: the sample app's page. Passkey ceremonies go through the Sesame
// Web SDK; everything else through the app's own backend under /api, which
// validates the tokens the SDK returns and keeps the session cookie.

import { Sesame } from "/sesame.js";

const $ = (id) => document.getElementById(id);

const KEY_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 14a5 5 0 1 1 4.58-7H21v4h-2v3h-4v-3h-3.42A5 5 0 0 1 7 14Zm0-3a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z"/></svg>';

// SDK error codes after which the autofill request is not offered again
// (it would fail the same way at once).
const AUTOFILL_FATAL = new Set([
  "autofill_not_supported",
  "not_supported",
  "security_error",
  "network_error",
  "invalid_response",
  "webauthn_error",
  "unauthorized",
]);

let sesame = null;
let me = null;
let busy = false;

// "?autofill=off" leaves passkey autofill off: tests of the buttons use it,
// since Chrome's virtual authenticator completes a conditional request by
// itself.
const autofillEnabled = new URLSearchParams(location.search).get("autofill") !== "off";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function setStatus(text, kind = "info") {
  const status = $("status");
  status.dataset.kind = kind;
  status.textContent = text;
}

function setBusy(value) {
  busy = value;
  document.body.setAttribute("aria-busy", String(value));
  for (const id of ["signin-button", "signup-button", "add-passkey-button", "signout-button"])
    $(id).disabled = value;
  for (const button of document.querySelectorAll(".remove-passkey-button"))
    button.disabled = value || button.dataset.last === "true";
}

// A call to the app's own backend. Resolves to {ok, status, data} or
// {ok: false, status, error}.
async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, error: "The Acme Bank server cannot be reached." };
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // Reported below.
  }
  if (!response.ok || json === null) {
    const error = (json && (json.errorDescription || json.error)) ||
      `The Acme Bank server answered HTTP ${response.status}.`;
    return { ok: false, status: response.status, error, errorCode: json && json.errorCode };
  }
  return { ok: true, status: response.status, data: json };
}

function show(state) {
  document.body.dataset.state = state;
  $("signed-out").hidden = state !== "signed-out";
  $("account").hidden = state !== "signed-in";
}

function formatDate(value) {
  if (!value)
    return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : dateFormat.format(date);
}

function isZeroAaguid(aaguid) {
  return !aaguid || /^[0-]+$/.test(aaguid);
}

function passkeyItem(passkey, last) {
  const li = document.createElement("li");
  li.className = "passkey";
  li.dataset.id = passkey.id;

  const icon = document.createElement("div");
  icon.className = "passkey-icon";
  icon.innerHTML = KEY_ICON;

  const meta = document.createElement("div");
  meta.className = "passkey-meta";

  const name = document.createElement("span");
  name.className = "passkey-name";
  name.textContent = passkey.name || "Passkey";

  const aaguid = document.createElement("span");
  aaguid.className = "passkey-aaguid";
  aaguid.textContent = isZeroAaguid(passkey.aaguid)
    ? "AAGUID: none (authenticator not identified)"
    : `AAGUID: ${passkey.aaguid}`;

  const dates = document.createElement("span");
  dates.className = "passkey-dates";
  const created = formatDate(passkey.createdAt) || "unknown";
  const used = formatDate(passkey.lastUsedAt) || "never";
  dates.textContent = `Created ${created} · Last used ${used}`;

  meta.append(name, aaguid, dates);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button small danger remove-passkey-button";
  remove.textContent = "Remove";
  remove.dataset.id = passkey.id;
  remove.setAttribute("aria-label", `Remove passkey “${name.textContent}”, created ${created}`);
  if (last) {
    remove.dataset.last = "true";
    remove.disabled = true;
    remove.title = "This is your only passkey. Add another one before removing it.";
  }
  remove.addEventListener("click", () => removePasskey(passkey.id));

  li.append(icon, meta, remove);
  return li;
}

function renderAccount() {
  $("account-username").textContent = me.username || me.userId;
  const displayName = me.displayName && me.displayName !== me.username ? me.displayName : "";
  $("account-display-name").textContent = displayName;

  const list = $("passkey-list");
  const passkeys = Array.isArray(me.passkeys) ? me.passkeys : [];
  list.replaceChildren(...passkeys.map((p) => passkeyItem(p, passkeys.length === 1)));
  if (passkeys.length === 0) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = "No passkeys yet.";
    list.append(empty);
  }
  show("signed-in");
}

// Loads /api/me. Returns true when signed in.
async function loadAccount() {
  const r = await api("GET", "/api/me");
  if (r.ok) {
    me = r.data;
    renderAccount();
    return true;
  }
  me = null;
  show("signed-out");
  if (r.status !== 401)
    setStatus(r.error, "error");
  return false;
}

// Hands the token from the SDK to the backend, which validates it and
// starts the session.
async function startSession(token, successText) {
  const r = await api("POST", "/api/session", { token });
  if (!r.ok) {
    setStatus(r.error, "error");
    return false;
  }
  if (!(await loadAccount()))
    return false;
  setStatus(successText(r.data.username), "success");
  return true;
}

// The SDK's result for something the user should hear about, or nothing.
function reportFailure(result) {
  if (result.error) {
    setStatus(result.error, "error");
    return true;
  }
  return false;
}

// Passkey autofill on #autofill-username. A conditional request normally
// stays pending until the user picks a passkey; after a failure it is
// offered again, a few times at most and each time a little later: some
// authenticators (Chrome's virtual one in tests, with no passkey for this
// site) refuse it at once, and asking again in a loop would flood the tenant.
const AUTOFILL_RETRIES = 3;
let autofillFailures = 0;

function retryAutofill() {
  if (++autofillFailures < AUTOFILL_RETRIES)
    setTimeout(() => offerAutofill({ retry: true }), 500 * 2 ** autofillFailures);
}

async function offerAutofill({ retry = false } = {}) {
  if (me || !sesame || !autofillEnabled)
    return;
  if (!retry)
    autofillFailures = 0;
  const result = await sesame.passkey.signIn({ autofill: true });
  if (result.data) {
    if (!(await startSession(result.data.token, (username) => `Signed in as ${username}.`)))
      retryAutofill();
    return;
  }
  if (!result.error)
    return; // aborted by a button, or another request is pending
  if (result.errorCode === "autofill_not_supported") {
    $("autofill-hint").textContent =
      "This browser cannot suggest passkeys here. Use the button to sign in.";
    return;
  }
  // Dismissing the browser's prompt is not news to the user.
  if (result.errorCode !== "user_canceled")
    setStatus(result.error, "error");
  if (!AUTOFILL_FATAL.has(result.errorCode))
    retryAutofill();
}

async function signIn(event) {
  event.preventDefault();
  if (busy)
    return;
  setBusy(true);
  setStatus("Waiting for your passkey…");
  try {
    const result = await sesame.passkey.signIn({ action: "signInWithPasskey" });
    if (result.data)
      await startSession(result.data.token, (username) => `Signed in as ${username}.`);
    else if (!reportFailure(result))
      setStatus("");
  } finally {
    setBusy(false);
    offerAutofill();
  }
}

async function signUp(event) {
  event.preventDefault();
  if (busy)
    return;
  const usernameField = $("signup-username");
  const username = usernameField.value.trim();
  const displayName = $("signup-display-name").value.trim();
  if (!username) {
    setStatus("Choose a username.", "error");
    usernameField.focus();
    return;
  }

  setBusy(true);
  setStatus("Creating your account…");
  try {
    const r = await api("POST", "/api/signup", displayName ? { username, displayName } : { username });
    if (!r.ok) {
      setStatus(r.error, "error");
      usernameField.focus();
      return;
    }
    setStatus("Waiting for your new passkey…");
    const result = await sesame.passkey.signUp({
      token: r.data.token,
      username: r.data.username || username,
      displayName: displayName || r.data.username || username,
    });
    if (result.data)
      await startSession(result.data.token,
                         (name) => `Account created for ${name}. You are signed in.`);
    else if (!reportFailure(result))
      setStatus("");
  } finally {
    setBusy(false);
    offerAutofill();
  }
}

async function addPasskey() {
  if (busy)
    return;
  setBusy(true);
  setStatus("Waiting for your new passkey…");
  try {
    const r = await api("POST", "/api/passkeys/token");
    if (!r.ok) {
      setStatus(r.error, "error");
      if (r.status === 401)
        await loadAccount();
      return;
    }
    const result = await sesame.passkey.signUp({
      token: r.data.token,
      username: r.data.username || me.username,
      displayName: r.data.displayName || me.displayName || me.username,
    });
    if (result.data) {
      await loadAccount();
      setStatus("Passkey added.", "success");
    } else if (!reportFailure(result)) {
      setStatus("");
    }
  } finally {
    setBusy(false);
  }
}

async function removePasskey(id) {
  if (busy)
    return;
  setBusy(true);
  try {
    const r = await api("DELETE", `/api/passkeys/${encodeURIComponent(id)}`);
    if (!r.ok) {
      setStatus(r.error, "error");
      await loadAccount();
      return;
    }
    await loadAccount();
    setStatus("Passkey removed.", "success");
    $("add-passkey-button").focus();
  } finally {
    setBusy(false);
  }
}

async function signOut() {
  if (busy)
    return;
  setBusy(true);
  try {
    const r = await api("POST", "/api/signout");
    if (!r.ok) {
      setStatus(r.error, "error");
      return;
    }
    me = null;
    sesame.setToken(null);
    show("signed-out");
    setStatus("Signed out.", "success");
  } finally {
    setBusy(false);
    offerAutofill();
  }
}

async function main() {
  $("signin-form").addEventListener("submit", signIn);
  $("signup-form").addEventListener("submit", signUp);
  $("add-passkey-button").addEventListener("click", addPasskey);
  $("signout-button").addEventListener("click", signOut);

  const config = await api("GET", "/api/config");
  if (!config.ok) {
    show("signed-out");
    setStatus(config.error, "error");
    setBusy(true);
    return;
  }
  sesame = new Sesame({ tenantId: config.data.tenantId, baseUrl: config.data.baseUrl });

  if (!(await loadAccount()))
    offerAutofill();
}

main();
