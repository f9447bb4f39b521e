// SPDX-License-Identifier: GPL-3.0-or-later
//
// Acme Bank: the sample app's page. Passkey ceremonies go through the Sesame
// Web SDK; everything else through the app's own backend under /api, which
// validates the tokens the SDK returns and keeps the session cookie.

import { Sesame } from "/sesame.js";

const $ = (id) => document.getElementById(id);

// The page's own words in English, German and French. The language is the
// first of the browser's languages (navigator.languages) that has a
// catalogue; English otherwise. Messages from the backend, the tenant and
// the SDK are shown as they come: they are for the developer.
const MESSAGES = {
  en: {
    "page-title": "Acme Bank — Sesame sample app",
    "skip": "Skip to content",
    "badge": "Sample app",
    "badge-title": "This page is the sample app of the Sesame local tenant",
    "hero-title": "Banking without passwords",
    "hero-text": "Sign in with a passkey: your fingerprint, face or screen lock. There is nothing to remember and nothing to phish.",
    "signin-title": "Sign in",
    "username": "Username",
    "autofill-hint": "Select the field to pick a saved passkey, or use the button.",
    "autofill-unavailable": "This browser cannot suggest passkeys here. Use the button to sign in.",
    "signin-button": "Sign in with a passkey",
    "signup-title": "Open an account",
    "username-hint": "Letters, digits and . _ - @ (up to 64).",
    "full-name": "Full name",
    "optional": "(optional)",
    "full-name-hint": "Shown with your passkey on this device.",
    "signup-button": "Create account with a passkey",
    "welcome": "Welcome,",
    "signout": "Sign out",
    "balance-title": "Everyday account",
    "balance": "Balance: ",
    "demo-data": "Demo data — Acme Bank is a sample app.",
    "passkeys-title": "Your passkeys",
    "passkeys-text": "Each passkey lives on one device or in one password manager.",
    "add-passkey": "Add another passkey",
    "footer-before": "Acme Bank is the sample app of Sesame’s local passkey tenant. It uses the Sesame Web SDK",
    "footer-after": "in the page and the Server API in its backend.",
    "unreachable": "The Acme Bank server cannot be reached.",
    "http-error": "The Acme Bank server answered HTTP {status}.",
    "passkey": "Passkey",
    "aaguid-none": "AAGUID: none (authenticator not identified)",
    "aaguid": "AAGUID: {aaguid}",
    "date-unknown": "unknown",
    "date-never": "never",
    "dates": "Created {created} · Last used {used}",
    "remove": "Remove",
    "remove-label": "Remove passkey “{name}”, created {created}",
    "remove-last": "This is your only passkey. Add another one before removing it.",
    "no-passkeys": "No passkeys yet.",
    "signed-in": "Signed in as {username}.",
    "waiting": "Waiting for your passkey…",
    "choose-username": "Choose a username.",
    "creating": "Creating your account…",
    "waiting-new": "Waiting for your new passkey…",
    "created": "Account created for {username}. You are signed in.",
    "added": "Passkey added.",
    "removed": "Passkey removed.",
    "signed-out": "Signed out.",
  },
  de: {
    "page-title": "Acme Bank — Beispielanwendung von Sesame",
    "skip": "Zum Inhalt springen",
    "badge": "Beispielanwendung",
    "badge-title": "Diese Seite ist die Beispielanwendung des lokalen Sesame-Mandanten",
    "hero-title": "Banking ohne Passwörter",
    "hero-text": "Melden Sie sich mit einem Passkey an: mit Fingerabdruck, Gesicht oder Bildschirmsperre. Sie müssen sich nichts merken, und nichts kann abgefischt werden.",
    "signin-title": "Anmelden",
    "username": "Benutzername",
    "autofill-hint": "Wählen Sie das Feld, um einen gespeicherten Passkey auszuwählen, oder verwenden Sie den Knopf.",
    "autofill-unavailable": "Dieser Browser kann hier keine Passkeys vorschlagen. Melden Sie sich über den Knopf an.",
    "signin-button": "Mit einem Passkey anmelden",
    "signup-title": "Konto eröffnen",
    "username-hint": "Buchstaben, Ziffern und . _ - @ (bis zu 64).",
    "full-name": "Vollständiger Name",
    "optional": "(optional)",
    "full-name-hint": "Wird auf diesem Gerät mit Ihrem Passkey angezeigt.",
    "signup-button": "Konto mit einem Passkey eröffnen",
    "welcome": "Willkommen,",
    "signout": "Abmelden",
    "balance-title": "Girokonto",
    "balance": "Kontostand: ",
    "demo-data": "Demodaten — Acme Bank ist eine Beispielanwendung.",
    "passkeys-title": "Ihre Passkeys",
    "passkeys-text": "Jeder Passkey liegt auf einem Gerät oder in einem Passwortmanager.",
    "add-passkey": "Weiteren Passkey hinzufügen",
    "footer-before": "Acme Bank ist die Beispielanwendung des lokalen Passkey-Mandanten von Sesame. Sie verwendet das Sesame-Web-SDK",
    "footer-after": "in der Seite und die Server-API in ihrem Backend.",
    "unreachable": "Der Server der Acme Bank ist nicht erreichbar.",
    "http-error": "Der Server der Acme Bank antwortete mit HTTP {status}.",
    "passkey": "Passkey",
    "aaguid-none": "AAGUID: keine (Authentifikator nicht erkannt)",
    "aaguid": "AAGUID: {aaguid}",
    "date-unknown": "unbekannt",
    "date-never": "nie",
    "dates": "Angelegt {created} · Zuletzt verwendet {used}",
    "remove": "Entfernen",
    "remove-label": "Passkey „{name}“ entfernen, angelegt {created}",
    "remove-last": "Dies ist Ihr einziger Passkey. Fügen Sie einen weiteren hinzu, bevor Sie ihn entfernen.",
    "no-passkeys": "Noch keine Passkeys.",
    "signed-in": "Angemeldet als {username}.",
    "waiting": "Warten auf Ihren Passkey …",
    "choose-username": "Wählen Sie einen Benutzernamen.",
    "creating": "Ihr Konto wird eröffnet …",
    "waiting-new": "Warten auf Ihren neuen Passkey …",
    "created": "Konto für {username} eröffnet. Sie sind angemeldet.",
    "added": "Passkey hinzugefügt.",
    "removed": "Passkey entfernt.",
    "signed-out": "Abgemeldet.",
  },
  fr: {
    "page-title": "Acme Bank — application d’exemple de Sesame",
    "skip": "Aller au contenu",
    "badge": "Application d’exemple",
    "badge-title": "Cette page est l’application d’exemple du locataire local Sesame",
    "hero-title": "La banque sans mot de passe",
    "hero-text": "Connectez-vous avec une clé d’accès : votre empreinte digitale, votre visage ou le verrouillage de l’écran. Rien à retenir, rien à hameçonner.",
    "signin-title": "Se connecter",
    "username": "Nom d’utilisateur",
    "autofill-hint": "Sélectionnez le champ pour choisir une clé d’accès enregistrée, ou utilisez le bouton.",
    "autofill-unavailable": "Ce navigateur ne peut pas proposer de clés d’accès ici. Utilisez le bouton pour vous connecter.",
    "signin-button": "Se connecter avec une clé d’accès",
    "signup-title": "Ouvrir un compte",
    "username-hint": "Lettres, chiffres et . _ - @ (64 au plus).",
    "full-name": "Nom complet",
    "optional": "(facultatif)",
    "full-name-hint": "Affiché avec votre clé d’accès sur cet appareil.",
    "signup-button": "Ouvrir un compte avec une clé d’accès",
    "welcome": "Bienvenue,",
    "signout": "Se déconnecter",
    "balance-title": "Compte courant",
    "balance": "Solde : ",
    "demo-data": "Données de démonstration — Acme Bank est une application d’exemple.",
    "passkeys-title": "Vos clés d’accès",
    "passkeys-text": "Chaque clé d’accès réside sur un appareil ou dans un gestionnaire de mots de passe.",
    "add-passkey": "Ajouter une autre clé d’accès",
    "footer-before": "Acme Bank est l’application d’exemple du locataire local de clés d’accès de Sesame. Elle utilise le SDK web de Sesame",
    "footer-after": "dans la page et l’API serveur dans son serveur applicatif.",
    "unreachable": "Le serveur d’Acme Bank est injoignable.",
    "http-error": "Le serveur d’Acme Bank a répondu HTTP {status}.",
    "passkey": "Clé d’accès",
    "aaguid-none": "AAGUID : aucun (authentificateur non identifié)",
    "aaguid": "AAGUID : {aaguid}",
    "date-unknown": "inconnue",
    "date-never": "jamais",
    "dates": "Créée le {created} · Dernière utilisation : {used}",
    "remove": "Supprimer",
    "remove-label": "Supprimer la clé d’accès « {name} », créée le {created}",
    "remove-last": "C’est votre seule clé d’accès. Ajoutez-en une autre avant de la supprimer.",
    "no-passkeys": "Aucune clé d’accès pour l’instant.",
    "signed-in": "Connecté en tant que {username}.",
    "waiting": "En attente de votre clé d’accès…",
    "choose-username": "Choisissez un nom d’utilisateur.",
    "creating": "Création de votre compte…",
    "waiting-new": "En attente de votre nouvelle clé d’accès…",
    "created": "Compte créé pour {username}. Vous êtes connecté.",
    "added": "Clé d’accès ajoutée.",
    "removed": "Clé d’accès supprimée.",
    "signed-out": "Déconnecté.",
  },
};

// "de-AT" → "de"; the first language with a catalogue wins.
function pickLanguage(languages) {
  for (const tag of languages || []) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.hasOwn(MESSAGES, base))
      return base;
  }
  return "en";
}

const lang = pickLanguage(navigator.languages && navigator.languages.length
  ? navigator.languages : [navigator.language]);

// The message for key, with {name} replaced by params.name. A key missing
// from a catalogue falls back to English rather than showing nothing.
function t(key, params = {}) {
  const text = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

// The static texts of index.html: data-i18n names the text's key,
// data-i18n-title the key of its tooltip.
function localizePage() {
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll("[data-i18n]"))
    element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-title]"))
    element.title = t(element.dataset.i18nTitle);
  $("balance-amount").textContent =
    new Intl.NumberFormat(lang, { style: "currency", currency: "USD" }).format(4210.75);
}


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

const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });

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
    return { ok: false, status: 0, error: t("unreachable") };
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // Reported below.
  }
  if (!response.ok || json === null) {
    const error = (json && (json.errorDescription || json.error)) ||
      t("http-error", { status: response.status });
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
  name.textContent = passkey.name || t("passkey");

  const aaguid = document.createElement("span");
  aaguid.className = "passkey-aaguid";
  aaguid.textContent = isZeroAaguid(passkey.aaguid)
    ? t("aaguid-none")
    : t("aaguid", { aaguid: passkey.aaguid });

  const dates = document.createElement("span");
  dates.className = "passkey-dates";
  const created = formatDate(passkey.createdAt) || t("date-unknown");
  const used = formatDate(passkey.lastUsedAt) || t("date-never");
  dates.textContent = t("dates", { created, used });

  meta.append(name, aaguid, dates);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button small danger remove-passkey-button";
  remove.textContent = t("remove");
  remove.dataset.id = passkey.id;
  remove.setAttribute("aria-label", t("remove-label", { name: name.textContent, created }));
  if (last) {
    remove.dataset.last = "true";
    remove.disabled = true;
    remove.title = t("remove-last");
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
    empty.textContent = t("no-passkeys");
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
    if (!(await startSession(result.data.token, (username) => t("signed-in", { username }))))
      retryAutofill();
    return;
  }
  if (!result.error)
    return; // aborted by a button, or another request is pending
  if (result.errorCode === "autofill_not_supported") {
    $("autofill-hint").textContent =
      t("autofill-unavailable");
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
  setStatus(t("waiting"));
  try {
    const result = await sesame.passkey.signIn({ action: "signInWithPasskey" });
    if (result.data)
      await startSession(result.data.token, (username) => t("signed-in", { username }));
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
    setStatus(t("choose-username"), "error");
    usernameField.focus();
    return;
  }

  setBusy(true);
  setStatus(t("creating"));
  try {
    const r = await api("POST", "/api/signup", displayName ? { username, displayName } : { username });
    if (!r.ok) {
      setStatus(r.error, "error");
      usernameField.focus();
      return;
    }
    setStatus(t("waiting-new"));
    const result = await sesame.passkey.signUp({
      token: r.data.token,
      username: r.data.username || username,
      displayName: displayName || r.data.username || username,
    });
    if (result.data)
      await startSession(result.data.token,
                         (name) => t("created", { username: name }));
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
  setStatus(t("waiting-new"));
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
      setStatus(t("added"), "success");
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
    setStatus(t("removed"), "success");
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
    setStatus(t("signed-out"), "success");
  } finally {
    setBusy(false);
    offerAutofill();
  }
}

async function main() {
  localizePage();
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
