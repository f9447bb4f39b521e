// SPDX-License-Identifier: MIT
//
// sesame.js, the Sesame Web SDK, is MIT licensed, unlike the rest of Sesame
// (GPL-3.0-or-later), so that any web app may embed it:
//
// Copyright (c) the Sesame authors
//
// Permission is hereby granted, free of charge, to any person obtaining a
// copy of this software and associated documentation files (the "Software"),
// to deal in the Software without restriction, including without limitation
// the rights to use, copy, modify, merge, publish, distribute, sublicense,
// and/or sell copies of the Software, and to permit persons to whom the
// Software is furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in
// all copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
// IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
// FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
// AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
// LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
// FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
// DEALINGS IN THE SOFTWARE.
/**
 * @file sesame.js — the Sesame Web SDK.
 *
 * A plain ES module with no dependencies and no build step. It speaks the
 * Client API of a Sesame local tenant, which is wire-compatible with
 * Authsignal's, and mirrors the passkey part of `@authsignal/browser`:
 *
 * ```js
 * import { Sesame } from "/sesame.js";
 *
 * const sesame = new Sesame({ tenantId: "…", baseUrl: "http://localhost:7878/v1" });
 *
 * // Create a passkey; `token` comes from your backend (Server API `track`).
 * const { data, error } = await sesame.passkey.signUp({ token, username: "alice" });
 *
 * // Sign in with a button …
 * const result = await sesame.passkey.signIn({ action: "signInWithPasskey" });
 * // … or through the browser's autofill on an <input autocomplete="username webauthn">.
 * const result = await sesame.passkey.signIn({ autofill: true });
 *
 * if (result.data) sendToYourBackend(result.data.token); // validate it with POST /v1/validate
 * ```
 *
 * ## `new Sesame(options)`
 *
 * | Option | Default | Meaning |
 * |---|---|---|
 * | `tenantId` | required | The tenant ID (not the secret key). Throws a `TypeError` without it. |
 * | `baseUrl` | the `/v1` of the server that served this file | Client API base URL, e.g. `http://localhost:7878/v1`. |
 * | `onTokenExpired` | none | Called when the API answers `errorCode: "expired_token"`. |
 * | `syncCredentials` | `true` | After a success, tell the browser which passkeys the user still has (WebAuthn Signal API, where available); after an `unknown_credential` reply, tell it that passkey is gone. |
 * | `cookieName` | `"__as_aid"` | Cookie holding the anonymous device ID sent as `deviceId`. |
 * | `cookieDomain` | the page's host | Domain attribute of that cookie. |
 * | `enableLogging` | `false` | Log requests and WebAuthn errors with `console.debug`. |
 *
 * Members: `sesame.passkey` (below), `sesame.anonymousId` (the device ID),
 * `sesame.setToken(token)` (sets the cached token that `signUp` falls back to;
 * every successful `signUp`/`signIn` caches the token it returns). The module
 * also exports `ErrorCode`, the codes below as constants.
 *
 * One WebAuthn request runs at a time per page: `signUp` and a button
 * `signIn` abort whatever request is pending (an autofill request, or an
 * earlier button request) before they start theirs.
 *
 * ## Results
 *
 * Every call resolves — it does not reject for API or WebAuthn failures — to one of
 *
 * - `{ data: {…} }` on success;
 * - `{ error, errorCode, errorDescription }` on failure, where `error` is a
 *   readable sentence (the API's `errorDescription` when it sent one), and
 *   `errorCode` one of the codes below or a code sent by the API
 *   (`invalid_token`, `invalid_credential`, `challenge_expired`, …);
 * - `{ errorCode: "aborted" }` (no `error`, no `data`) when the request was
 *   aborted by this SDK because another one started, or by `passkey.abort()`.
 *   Ignore it: it is not something to show to the user;
 * - `{}` from `signIn({ autofill: true })` when another request is already
 *   pending (only one WebAuthn request can run at a time); nothing was started.
 *
 * Only a misuse of the API itself throws (a `TypeError`, e.g. `signIn` with
 * both `token` and `action`).
 *
 * | `errorCode` | When |
 * |---|---|
 * | `token_not_set` | `signUp` without a token and none cached. |
 * | `user_canceled` | The user dismissed the browser's dialog, or it timed out (`NotAllowedError`). |
 * | `credential_exists` | `signUp`: this authenticator already holds a passkey of this user (`InvalidStateError`). |
 * | `security_error` | The page's origin does not match the Relying Party ID, or the page is not a secure context (`SecurityError`). |
 * | `not_supported` | The browser has no WebAuthn, or not for these options (`NotSupportedError`). |
 * | `autofill_not_supported` | `signIn({autofill:true})`: no `<input autocomplete="… webauthn">` on the page, or the browser has no conditional mediation. |
 * | `conditional_create_not_supported` | `signUp({conditional:true})`: the browser cannot create a passkey conditionally (`PublicKeyCredential.getClientCapabilities()` has no `conditionalCreate`). |
 * | `webauthn_error` | Any other `DOMException` from `navigator.credentials`. |
 * | `network_error` | The API could not be reached. |
 * | `invalid_response` | The API answered something that is not the expected JSON. |
 * | `expired_token` | The token expired (also calls `onTokenExpired`). |
 * | `aborted` | See above. |
 *
 * ## `passkey.signUp({ token, username, displayName, authenticatorAttachment, conditional })`
 *
 * Creates a passkey for the user named by `token` (from your backend's
 * `track`; a user who already has a passkey needs a token tracked with
 * `scope: "add:authenticators"`). `authenticatorAttachment` defaults to
 * `"platform"`; pass `null` to let the browser offer any authenticator.
 * Aborts a pending autofill request first.
 *
 * `conditional: true` (or `useAutoRegister: true`, the name in newer
 * `@authsignal/browser`) asks for WebAuthn Level 3's conditional create:
 * right after the user signed in with a password the browser's password
 * manager saved, the browser may create the passkey without a dialog (and
 * without user presence, which the tenant then accepts for this request
 * only). Where the browser cannot, it resolves to
 * `conditional_create_not_supported`; where it declines this time, to
 * `user_canceled`: carry on without a passkey.
 *
 * Requests: `POST {baseUrl}/client/user-authenticators/passkey/registration-options`
 * (Bearer token) → `navigator.credentials.create()` →
 * `POST {baseUrl}/client/user-authenticators/passkey`.
 *
 * Resolves to `{ data: { token, isVerified, userId, userAuthenticatorId,
 * userAuthenticator, registrationResponse } }`. `token` is a new token for
 * the action: send it to your backend and validate it there.
 *
 * ## `passkey.signIn(options)`
 *
 * | Call | Requests |
 * |---|---|
 * | `signIn({ action })` | `POST /client/challenge {action}` → `POST /client/user-authenticators/passkey/authentication-options {challengeId}` → `credentials.get()` → `POST /client/verify/passkey` |
 * | `signIn()` | authentication-options `{}` → get → verify (the tenant records the action `signInWithPasskey`) |
 * | `signIn({ token })` | as `signIn()` with `Authorization: Bearer token`: only that token's user can complete it |
 * | `signIn({ autofill: true })` | as `signIn()`, with `mediation: "conditional"`; see below |
 *
 * Resolves to `{ data: { isVerified, token, userId, userAuthenticatorId,
 * username, displayName, authenticationResponse } }`. A button-started
 * sign-in aborts a pending autofill request first. `onVerificationStarted`
 * (optional) is called after the user chose a passkey, before it is sent.
 *
 * ### Autofill (`{ autofill: true }`)
 *
 * Call it on page load. The page needs an `<input>` whose `autocomplete`
 * ends in `webauthn` (e.g. `autocomplete="username webauthn"`); the browser
 * then offers the user's passkeys when that field is focused. The promise
 * stays pending until the user picks one (then it resolves like `signIn()`),
 * another request aborts it (`{ errorCode: "aborted" }`), or it fails.
 * Meanwhile the SDK fetches a fresh challenge shortly before the current one
 * expires (`options.timeout`) and restarts the request, so a page left open
 * keeps working. After an aborted or failed request, call it again to offer
 * autofill again.
 *
 * ## `passkey.abort()`
 *
 * Aborts the pending request, if any (its promise resolves to
 * `{ errorCode: "aborted" }`).
 */

const DEFAULT_TIMEOUT_MS = 300000;

// Where this file was served from: its /v1 is the default Client API.
const DEFAULT_BASE_URL = (() => {
  try {
    return new URL("/v1", import.meta.url).href;
  } catch {
    return "http://localhost:7878/v1";
  }
})();

// WebAuthn allows one request per document, so the pending one is tracked
// here, shared by every Sesame instance on the page.
let pending = null; // { controller, conditional }

class Aborted extends Error {}

function begin(conditional) {
  const request = { controller: new AbortController(), conditional };
  pending = request;
  return request;
}

function end(request) {
  if (pending === request)
    pending = null;
}

function abortPending() {
  if (!pending)
    return;
  const request = pending;
  pending = null;
  request.controller.abort(new DOMException("Another request started.", "AbortError"));
}

function failure(errorCode, errorDescription) {
  return { error: errorDescription, errorCode, errorDescription };
}

const ABORTED = Object.freeze({ errorCode: "aborted" });

/* base64url <-> bytes */

function bytesOf(value) {
  if (value instanceof ArrayBuffer)
    return new Uint8Array(value);
  if (ArrayBuffer.isView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("Expected an ArrayBuffer or a typed array.");
}

function toBase64url(value) {
  const bytes = bytesOf(value);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text))
    throw new TypeError("Not base64url.");
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++)
    bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function basicAuth(tenantId) {
  // Like the Authsignal SDK: the tenant ID alone, no colon.
  const bytes = new TextEncoder().encode(tenantId);
  let binary = "";
  for (const b of bytes)
    binary += String.fromCharCode(b);
  return "Basic " + btoa(binary);
}

/* Options JSON -> WebAuthn options */

function descriptors(list) {
  if (!Array.isArray(list))
    return [];
  return list.map((d) => ({ ...d, id: fromBase64url(d.id) }));
}

function creationOptions(json) {
  if (!json || typeof json !== "object" || !json.user || typeof json.user !== "object")
    throw new TypeError("Malformed creation options.");
  const options = {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
  };
  if (json.excludeCredentials !== undefined)
    options.excludeCredentials = descriptors(json.excludeCredentials);
  return options;
}

function requestOptions(json, conditional) {
  if (!json || typeof json !== "object")
    throw new TypeError("Malformed request options.");
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    // The browser shows every passkey for the RP in the autofill list.
    allowCredentials: conditional ? [] : descriptors(json.allowCredentials),
  };
}

/* PublicKeyCredential -> JSON */

function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") {
    try {
      return credential.toJSON();
    } catch {
      // Fall through: build it by hand.
    }
  }

  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };

  if (r.attestationObject !== undefined) {
    response.attestationObject = toBase64url(r.attestationObject);
    if (typeof r.getTransports === "function")
      response.transports = r.getTransports();
    if (typeof r.getAuthenticatorData === "function")
      response.authenticatorData = toBase64url(r.getAuthenticatorData());
    if (typeof r.getPublicKeyAlgorithm === "function")
      response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
    if (typeof r.getPublicKey === "function") {
      const key = r.getPublicKey();
      if (key)
        response.publicKey = toBase64url(key);
    }
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    if (r.userHandle)
      response.userHandle = toBase64url(r.userHandle);
  }

  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults:
      typeof credential.getClientExtensionResults === "function"
        ? credential.getClientExtensionResults()
        : {},
  };
  if (credential.authenticatorAttachment)
    json.authenticatorAttachment = credential.authenticatorAttachment;
  return json;
}

/* DOMException -> result */

const DOM_ERROR_CODES = {
  NotAllowedError: "user_canceled",
  SecurityError: "security_error",
  InvalidStateError: "credential_exists",
  NotSupportedError: "not_supported",
};

const DOM_ERROR_TEXT = {
  user_canceled: "The passkey request was cancelled or timed out.",
  security_error: "This page is not allowed to use passkeys for this site.",
  credential_exists: "This device already has a passkey for this account.",
  not_supported: "This browser cannot use passkeys with these settings.",
};

function webauthnFailure(exception) {
  const name = exception && exception.name;
  const errorCode = DOM_ERROR_CODES[name] || "webauthn_error";
  const description = DOM_ERROR_TEXT[errorCode] ||
    `The browser refused the passkey request${exception && exception.message ? ": " + exception.message : "."}`;
  return failure(errorCode, description);
}

function webauthnMissing() {
  if (typeof window === "undefined" || typeof window.PublicKeyCredential === "undefined" ||
      !navigator.credentials)
    return failure("not_supported", "This browser does not support passkeys.");
  return null;
}

// WebAuthn Level 3's client capabilities say whether create() takes
// mediation "conditional"; a browser without them cannot.
async function conditionalCreateAvailable() {
  const capabilities = window.PublicKeyCredential.getClientCapabilities;
  if (typeof capabilities !== "function")
    return false;
  try {
    const result = await capabilities.call(window.PublicKeyCredential);
    return Boolean(result && result.conditionalCreate);
  } catch {
    return false;
  }
}

function hasWebauthnInput() {
  for (const input of document.querySelectorAll("input[autocomplete]")) {
    const tokens = input.getAttribute("autocomplete").trim().toLowerCase().split(/\s+/);
    if (tokens[tokens.length - 1] === "webauthn")
      return true;
  }
  return false;
}

async function conditionalMediationAvailable() {
  try {
    return typeof PublicKeyCredential.isConditionalMediationAvailable === "function" &&
      (await PublicKeyCredential.isConditionalMediationAvailable()) === true;
  } catch {
    return false;
  }
}

// Refresh a conditional request's challenge a little before it expires.
function refreshDelay(timeout) {
  const ms = Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS;
  const margin = Math.min(30000, Math.max(1000, ms * 0.2));
  return Math.max(1000, ms - margin);
}

function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(rest.join("="));
      } catch {
        return null;
      }
    }
  }
  return null;
}

export class Sesame {
  #tenantId;
  #baseUrl;
  #onTokenExpired;
  #logging;
  #token = null;

  /**
   * @param {object} options
   * @param {string} options.tenantId
   * @param {string} [options.baseUrl]
   * @param {() => void} [options.onTokenExpired]
   * @param {boolean} [options.syncCredentials=true]
   * @param {string} [options.cookieName="__as_aid"]
   * @param {string} [options.cookieDomain]
   * @param {boolean} [options.enableLogging=false]
   */
  constructor({ tenantId, baseUrl = DEFAULT_BASE_URL, onTokenExpired, syncCredentials = true,
                cookieName = "__as_aid", cookieDomain, enableLogging = false } = {}) {
    if (typeof tenantId !== "string" || tenantId === "")
      throw new TypeError("Sesame: tenantId is required.");
    this.#tenantId = tenantId;
    this.#baseUrl = String(baseUrl).replace(/\/+$/, "");
    this.#onTokenExpired = typeof onTokenExpired === "function" ? onTokenExpired : null;
    this.#logging = Boolean(enableLogging);
    this.anonymousId = this.#deviceId(cookieName, cookieDomain);
    this.passkey = new SesamePasskey(this, Boolean(syncCredentials));
  }

  /** Sets the cached token (used by `passkey.signUp` when no token is passed). */
  setToken(token) {
    this.#token = token || null;
  }

  /** @internal */
  get _token() {
    return this.#token;
  }

  /** @internal */
  _log(...args) {
    if (this.#logging)
      console.debug("[sesame]", ...args);
  }

  #deviceId(cookieName, cookieDomain) {
    if (typeof document === "undefined")
      return crypto.randomUUID();
    let id = readCookie(cookieName);
    if (!id) {
      id = crypto.randomUUID();
      let cookie = `${cookieName}=${encodeURIComponent(id)}; path=/; expires=Fri, 31 Dec 9999 23:59:59 GMT; SameSite=Lax`;
      if (cookieDomain)
        cookie += `; domain=${cookieDomain}`;
      if (location.protocol === "https:")
        cookie += "; secure";
      document.cookie = cookie;
    }
    return id;
  }

  /**
   * @internal
   * One Client API call. Resolves to {data} or an error result; throws
   * Aborted if `signal` aborted it.
   */
  async _call(method, path, { token, body, signal } = {}) {
    const headers = {
      "Content-Type": "application/json",
      Authorization: token ? `Bearer ${token}` : basicAuth(this.#tenantId),
    };
    let response;
    this._log(method, path);
    try {
      response = await fetch(this.#baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        signal,
      });
    } catch (e) {
      if (signal && signal.aborted)
        throw new Aborted();
      return failure("network_error", `Could not reach the passkey service (${this.#baseUrl}).`);
    }

    let json;
    try {
      json = await response.json();
    } catch {
      if (signal && signal.aborted)
        throw new Aborted();
      return failure("invalid_response",
                     `The passkey service answered HTTP ${response.status} without JSON.`);
    }

    if (json && typeof json === "object" && !Array.isArray(json) && "error" in json) {
      const errorCode = json.errorCode || json.error;
      const errorDescription = json.errorDescription;
      if (errorCode === "expired_token" && this.#onTokenExpired) {
        try {
          this.#onTokenExpired();
        } catch (e) {
          console.error(e);
        }
      }
      return { error: errorDescription || json.error, errorCode, errorDescription };
    }
    if (!response.ok)
      return failure("invalid_response", `The passkey service answered HTTP ${response.status}.`);
    return { data: json };
  }

  /** @internal */
  _setToken(token) {
    this.#token = token;
  }
}

class SesamePasskey {
  #sesame;
  #sync;

  constructor(sesame, sync) {
    this.#sesame = sesame;
    this.#sync = sync;
  }

  /** Aborts the pending request, if any; it resolves to `{ errorCode: "aborted" }`. */
  abort() {
    abortPending();
  }

  /**
   * @param {object} params
   * @param {string} [params.token] from your backend's track call; else the cached token
   * @param {string} [params.username]
   * @param {string} [params.displayName]
   * @param {"platform"|"cross-platform"|null} [params.authenticatorAttachment="platform"]
   * @param {boolean} [params.conditional=false] conditional create (automatic passkey upgrade)
   * @param {boolean} [params.useAutoRegister=false] the same, as @authsignal/browser names it
   */
  async signUp({ token, username, displayName, authenticatorAttachment = "platform",
                 conditional = false, useAutoRegister = false } = {}) {
    const bearer = token || this.#sesame._token;
    if (!bearer)
      return failure("token_not_set", "A token is needed to create a passkey.");
    const missing = webauthnMissing();
    if (missing)
      return missing;
    const conditionalCreate = Boolean(conditional || useAutoRegister);
    if (conditionalCreate && !(await conditionalCreateAvailable()))
      return failure("conditional_create_not_supported",
                     "This browser cannot create a passkey without asking (conditional create).");

    abortPending();
    const request = begin(false);
    const signal = request.controller.signal;
    try {
      const body = {};
      if (username)
        body.username = username;
      if (displayName)
        body.displayName = displayName;
      if (authenticatorAttachment)
        body.authenticatorAttachment = authenticatorAttachment;
      const options = await this.#sesame._call("POST",
        "/client/user-authenticators/passkey/registration-options",
        { token: bearer, body, signal });
      if (!options.data)
        return options;

      let publicKey;
      try {
        publicKey = creationOptions(options.data.options);
      } catch {
        return failure("invalid_response", "The passkey service sent malformed creation options.");
      }

      let credential;
      try {
        const createOptions = { publicKey, signal };
        if (conditionalCreate)
          createOptions.mediation = "conditional";
        credential = await navigator.credentials.create(createOptions);
      } catch (e) {
        if (signal.aborted)
          return ABORTED;
        this.#sesame._log("create failed", e);
        return webauthnFailure(e);
      }
      if (!credential)
        return failure("user_canceled", DOM_ERROR_TEXT.user_canceled);
      end(request);

      const registrationResponse = credentialJSON(credential);
      const verified = await this.#sesame._call("POST", "/client/user-authenticators/passkey", {
        token: bearer,
        body: {
          registrationCredential: registrationResponse,
          conditionalCreate,
          challengeId: options.data.challengeId,
        },
      });
      if (!verified.data)
        return verified;
      const v = verified.data;
      if (!v.isVerified || !v.accessToken)
        return failure("invalid_credential", "The passkey could not be verified.");

      this.#sesame._setToken(v.accessToken);
      this.#signalAccepted(v.accessToken, publicKey.rp && publicKey.rp.id,
                           options.data.options.user.id, credential.id);
      return {
        data: {
          token: v.accessToken,
          isVerified: v.isVerified,
          userId: v.userId,
          userAuthenticatorId: v.userAuthenticatorId,
          userAuthenticator: v.userAuthenticator,
          registrationResponse,
        },
      };
    } catch (e) {
      if (e instanceof Aborted)
        return ABORTED;
      throw e;
    } finally {
      end(request);
    }
  }

  /**
   * @param {object} [params]
   * @param {string} [params.action] action code to record (button sign-in)
   * @param {string} [params.token] restrict the sign-in to this token's user
   * @param {boolean} [params.autofill] conditional mediation (passkey autofill)
   * @param {() => void} [params.onVerificationStarted]
   */
  async signIn(params = {}) {
    const { action, token, autofill = false, onVerificationStarted } = params || {};
    if (token && (action || autofill))
      throw new TypeError("Sesame: signIn takes a token, or an action / autofill, not both.");
    const missing = webauthnMissing();
    if (missing)
      return missing;

    if (autofill)
      return this.#autofill(onVerificationStarted);

    abortPending();
    const request = begin(false);
    const signal = request.controller.signal;
    try {
      let challengeId;
      if (action) {
        const challenge = await this.#sesame._call("POST", "/client/challenge",
                                                   { body: { action }, signal });
        if (!challenge.data)
          return challenge;
        challengeId = challenge.data.challengeId;
      }

      const options = await this.#sesame._call("POST",
        "/client/user-authenticators/passkey/authentication-options",
        { token, body: challengeId ? { challengeId } : {}, signal });
      if (!options.data)
        return options;

      let publicKey;
      try {
        publicKey = requestOptions(options.data.options, false);
      } catch {
        return failure("invalid_response", "The passkey service sent malformed request options.");
      }

      let credential;
      try {
        credential = await navigator.credentials.get({ publicKey, signal });
      } catch (e) {
        if (signal.aborted)
          return ABORTED;
        this.#sesame._log("get failed", e);
        return webauthnFailure(e);
      }
      if (!credential)
        return failure("user_canceled", DOM_ERROR_TEXT.user_canceled);
      end(request);

      return await this.#verify(credential, options.data, publicKey, token, onVerificationStarted);
    } catch (e) {
      if (e instanceof Aborted)
        return ABORTED;
      throw e;
    } finally {
      end(request);
    }
  }

  async #autofill(onVerificationStarted) {
    if (pending)
      return {};
    if (!hasWebauthnInput())
      return failure("autofill_not_supported",
                     'Autofill needs an <input autocomplete="username webauthn"> on the page.');
    if (!(await conditionalMediationAvailable()))
      return failure("autofill_not_supported", "This browser cannot offer passkeys in autofill.");
    if (pending)
      return {};

    const request = begin(true);
    const signal = request.controller.signal;
    try {
      for (;;) {
        const options = await this.#sesame._call("POST",
          "/client/user-authenticators/passkey/authentication-options", { body: {}, signal });
        if (!options.data)
          return options;

        let publicKey;
        try {
          publicKey = requestOptions(options.data.options, true);
        } catch {
          return failure("invalid_response", "The passkey service sent malformed request options.");
        }

        if (signal.aborted)
          return ABORTED;

        // Each attempt has its own controller: the refresh timer aborts only
        // the attempt, abortPending() aborts both.
        const attempt = new AbortController();
        const forward = () => attempt.abort(signal.reason);
        signal.addEventListener("abort", forward, { once: true });
        const timer = setTimeout(() => {
          this.#sesame._log("refreshing the autofill challenge");
          attempt.abort(new DOMException("Challenge refresh.", "AbortError"));
        }, refreshDelay(publicKey.timeout));

        let credential;
        try {
          credential = await navigator.credentials.get({
            mediation: "conditional",
            publicKey,
            signal: attempt.signal,
          });
        } catch (e) {
          if (signal.aborted)
            return ABORTED;
          if (attempt.signal.aborted)
            continue;
          this.#sesame._log("conditional get failed", e);
          return webauthnFailure(e);
        } finally {
          clearTimeout(timer);
          signal.removeEventListener("abort", forward);
        }
        if (!credential) {
          if (signal.aborted)
            return ABORTED;
          continue;
        }

        // The user chose a passkey: from here on, nothing aborts it.
        end(request);
        return await this.#verify(credential, options.data, publicKey, undefined,
                                  onVerificationStarted);
      }
    } catch (e) {
      if (e instanceof Aborted)
        return ABORTED;
      throw e;
    } finally {
      end(request);
    }
  }

  async #verify(credential, options, publicKey, token, onVerificationStarted) {
    if (typeof onVerificationStarted === "function") {
      try {
        onVerificationStarted();
      } catch (e) {
        console.error(e);
      }
    }

    const authenticationResponse = credentialJSON(credential);
    const body = {
      authenticationCredential: authenticationResponse,
      challengeId: options.challengeId,
      deviceId: this.#sesame.anonymousId,
    };
    const verified = await this.#sesame._call("POST", "/client/verify/passkey", { token, body });
    if (!verified.data) {
      if (verified.errorCode === "unknown_credential")
        this.#signalUnknown(publicKey.rpId, credential.id);
      return verified;
    }
    const v = verified.data;
    if (!v.isVerified || !v.accessToken)
      return failure("invalid_credential", "The passkey could not be verified.");

    this.#sesame._setToken(v.accessToken);
    this.#signalAccepted(v.accessToken, publicKey.rpId, authenticationResponse.response.userHandle,
                         credential.id);
    return {
      data: {
        isVerified: v.isVerified,
        token: v.accessToken,
        userId: v.userId,
        userAuthenticatorId: v.userAuthenticatorId,
        username: v.username,
        displayName: v.userDisplayName,
        authenticationResponse,
      },
    };
  }

  // The tenant does not know this passkey (it was removed): the browser can
  // stop offering it. Only ever for that reply, never for a failed check.
  #signalUnknown(rpId, credentialId) {
    if (!this.#sync || !rpId || typeof PublicKeyCredential.signalUnknownCredential !== "function")
      return;
    PublicKeyCredential.signalUnknownCredential({ rpId, credentialId })
      .catch((e) => this.#sesame._log("signalUnknownCredential failed", e));
  }

  // Tell the browser which passkeys this user still has, so removed ones
  // disappear from its list. Runs in the background; failures are ignored.
  async #signalAccepted(accessToken, rpId, userHandle, usedCredentialId) {
    if (!this.#sync || !rpId || !userHandle ||
        typeof PublicKeyCredential.signalAllAcceptedCredentials !== "function")
      return;
    try {
      const list = await this.#sesame._call("GET", "/client/user-authenticators",
                                            { token: accessToken });
      if (!Array.isArray(list.data))
        return;
      const ids = list.data
        .filter((a) => a && a.verificationMethod === "PASSKEY" && a.webauthnCredential &&
                       typeof a.webauthnCredential.credentialId === "string")
        .map((a) => a.webauthnCredential.credentialId);
      // A list without the passkey just used cannot be complete: say nothing.
      if (!ids.includes(usedCredentialId))
        return;
      await PublicKeyCredential.signalAllAcceptedCredentials({
        rpId,
        userId: userHandle,
        allAcceptedCredentialIds: ids,
      });
    } catch (e) {
      this.#sesame._log("signalAllAcceptedCredentials failed", e);
    }
  }
}

export const ErrorCode = Object.freeze({
  TOKEN_NOT_SET: "token_not_set",
  EXPIRED_TOKEN: "expired_token",
  INVALID_TOKEN: "invalid_token",
  INVALID_CREDENTIAL: "invalid_credential",
  UNKNOWN_CREDENTIAL: "unknown_credential",
  USER_CANCELED: "user_canceled",
  CREDENTIAL_EXISTS: "credential_exists",
  SECURITY_ERROR: "security_error",
  NOT_SUPPORTED: "not_supported",
  AUTOFILL_NOT_SUPPORTED: "autofill_not_supported",
  WEBAUTHN_ERROR: "webauthn_error",
  NETWORK_ERROR: "network_error",
  INVALID_RESPONSE: "invalid_response",
  ABORTED: "aborted",
});

export default Sesame;
