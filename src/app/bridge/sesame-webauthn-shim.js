// SPDX-License-Identifier: GPL-3.0-or-later
//
// WebAuthn for a page in WebKitGTK, which has none: navigator.credentials,
// PublicKeyCredential and the response types, as a browser supplies them.
// Runs in the page's own world at document start, in every frame. It
// checks options the way WebIDL conversion does in a browser (TypeError
// for a wrong member) and hands them, buffers as base64url, to the relay
// of Sesame's isolated world, which alone can reach native code. Native
// code trusts nothing of this: it checks everything again, takes the
// origin from the committed page and builds clientDataJSON itself.

(() => {
  "use strict";

  // As in a browser: no API outside a secure context, and nothing to do
  // should WebKit one day bring its own.
  if (!window.isSecureContext || typeof window.PublicKeyCredential === "function")
    return;

  const REQUEST_EVENT = "sesame-webauthn-request";
  const REPLY_EVENT = "sesame-webauthn-reply";

  // What the page may later replace on its own globals.
  const { defineProperty, create: objectCreate } = Object;
  const toStringTag = Symbol.toStringTag;
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const isView = ArrayBuffer.isView;
  const objectToString = Object.prototype.toString;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const unlisten = EventTarget.prototype.removeEventListener;
  const NativeCustomEvent = CustomEvent;
  const NativeDOMException = DOMException;
  const NativePromise = Promise;
  const fromCharCode = String.fromCharCode;
  const btoaNative = window.btoa.bind(window);
  const atobNative = window.atob.bind(window);

  const EXCEPTION_NAMES = new Set([
    "NotAllowedError", "SecurityError", "NotSupportedError", "InvalidStateError",
    "AbortError", "ConstraintError", "UnknownError", "EncodingError",
  ]);

  function illegalConstructor() {
    throw new TypeError("Illegal constructor");
  }

  // Interfaces: constructor functions whose call throws, as for a
  // browser's [NoInterfaceObject]-less interfaces without a constructor.
  function defineInterface(name, parent) {
    const ctor = function () { illegalConstructor(); };
    defineProperty(ctor, "name", { value: name });
    const proto = objectCreate(parent ? parent.prototype : Object.prototype);
    defineProperty(proto, "constructor", { value: ctor, writable: true, configurable: true });
    defineProperty(proto, toStringTag, { value: name, configurable: true });
    defineProperty(ctor, "prototype", { value: proto, writable: false });
    if (parent)
      Object.setPrototypeOf(ctor, parent);
    defineProperty(window, name, { value: ctor, writable: true, configurable: true });
    return ctor;
  }

  // Internal slots of the objects made here.
  const slots = new WeakMap();

  function slotsOf(object, ctor) {
    const s = slots.get(object);
    if (s === undefined || !(object instanceof ctor))
      throw new TypeError("Illegal invocation");
    return s;
  }

  function defineGetter(ctor, name, read) {
    defineProperty(ctor.prototype, name, {
      get: function () { return read(slotsOf(this, ctor)); },
      enumerable: true,
      configurable: true,
    });
  }

  function defineMethod(target, name, fn) {
    defineProperty(target, name, { value: fn, writable: true, enumerable: true, configurable: true });
  }

  function make(ctor, internal) {
    const object = objectCreate(ctor.prototype);
    slots.set(object, internal);
    return object;
  }

  // Buffers.

  function toBase64url(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoaNative(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(text, what) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1)
      throw new NativeDOMException(`${what} is not base64url`, "EncodingError");
    const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const binary = atobNative(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++)
      bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  // Native answers arrive as base64url; trust their shape no more than
  // necessary.
  function answerBuffer(text) {
    return fromBase64url(text, "The answer");
  }

  // BufferSource: an ArrayBuffer (of any realm) or a view on one. The
  // bytes are copied at call time, as browsers do.
  function bufferSource(value, what) {
    if (objectToString.call(value) === "[object ArrayBuffer]")
      return new Uint8Array(value.slice(0));
    if (isView(value))
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
    throw new TypeError(`${what} is not of type '(ArrayBuffer or ArrayBufferView)'`);
  }

  // WebIDL dictionary members.

  function dictionary(value, what) {
    if (value === undefined || value === null)
      return {};
    if (typeof value !== "object" && typeof value !== "function")
      throw new TypeError(`${what} is not an object`);
    return value;
  }

  function required(dict, name, what) {
    const value = dict[name];
    if (value === undefined)
      throw new TypeError(`Required member is undefined: ${what}.${name}`);
    return value;
  }

  function domString(value) {
    if (typeof value === "symbol")
      throw new TypeError("Cannot convert a Symbol to a string");
    return String(value);
  }

  function optionalString(dict, name) {
    const value = dict[name];
    return value === undefined ? undefined : domString(value);
  }

  function sequence(value, what) {
    if (value === undefined)
      return undefined;
    if (value === null || typeof value !== "object" || typeof value[Symbol.iterator] !== "function")
      throw new TypeError(`${what} is not iterable`);
    return Array.from(value);
  }

  function unsignedLong(value) {
    const number = Number(value);
    if (!Number.isFinite(number))
      return 0;
    const truncated = Math.trunc(number);
    if (truncated < 0 || truncated > 0xffffffff)
      return truncated < 0 ? 0 : 0xffffffff;
    return truncated;
  }

  function descriptors(value, what) {
    const list = sequence(value, what);
    if (list === undefined)
      return undefined;
    return list.map((entry, i) => {
      const d = dictionary(entry, `${what}[${i}]`);
      const out = {
        type: domString(required(d, "type", `${what}[${i}]`)),
        id: toBase64url(bufferSource(required(d, "id", `${what}[${i}]`), `${what}[${i}].id`)),
      };
      const transports = sequence(d.transports, `${what}[${i}].transports`);
      if (transports !== undefined)
        out.transports = transports.map(domString);
      return out;
    });
  }

  function creationOptions(value) {
    const pk = dictionary(value, "publicKey");
    const rp = dictionary(required(pk, "rp", "publicKey"), "publicKey.rp");
    const user = dictionary(required(pk, "user", "publicKey"), "publicKey.user");
    const userId = bufferSource(required(user, "id", "publicKey.user"), "publicKey.user.id");
    if (userId.length < 1 || userId.length > 64)
      throw new TypeError("The `user.id` field must be between 1 and 64 bytes long.");

    const out = {
      rp: { name: domString(required(rp, "name", "publicKey.rp")) },
      user: {
        id: toBase64url(userId),
        name: domString(required(user, "name", "publicKey.user")),
        displayName: domString(required(user, "displayName", "publicKey.user")),
      },
      challenge: toBase64url(bufferSource(required(pk, "challenge", "publicKey"), "publicKey.challenge")),
      pubKeyCredParams: sequence(required(pk, "pubKeyCredParams", "publicKey"), "publicKey.pubKeyCredParams")
        .map((entry, i) => {
          const p = dictionary(entry, `publicKey.pubKeyCredParams[${i}]`);
          const alg = Number(required(p, "alg", `publicKey.pubKeyCredParams[${i}]`));
          if (!Number.isFinite(alg))
            throw new TypeError(`publicKey.pubKeyCredParams[${i}].alg is not a number`);
          return { type: domString(required(p, "type", `publicKey.pubKeyCredParams[${i}]`)), alg: Math.trunc(alg) };
        }),
    };
    if (rp.id !== undefined)
      out.rp.id = domString(rp.id);
    if (pk.timeout !== undefined)
      out.timeout = unsignedLong(pk.timeout);
    const exclude = descriptors(pk.excludeCredentials, "publicKey.excludeCredentials");
    if (exclude !== undefined)
      out.excludeCredentials = exclude;
    if (pk.authenticatorSelection !== undefined) {
      const s = dictionary(pk.authenticatorSelection, "publicKey.authenticatorSelection");
      const selection = {};
      for (const name of ["authenticatorAttachment", "residentKey", "userVerification"]) {
        const member = optionalString(s, name);
        if (member !== undefined)
          selection[name] = member;
      }
      if (s.requireResidentKey !== undefined)
        selection.requireResidentKey = Boolean(s.requireResidentKey);
      out.authenticatorSelection = selection;
    }
    const attestation = optionalString(pk, "attestation");
    if (attestation !== undefined)
      out.attestation = attestation;
    if (pk.extensions !== undefined) {
      const e = dictionary(pk.extensions, "publicKey.extensions");
      if (e.credProps !== undefined)
        out.extensions = { credProps: Boolean(e.credProps) };
    }
    return out;
  }

  function requestOptions(value) {
    const pk = dictionary(value, "publicKey");
    const out = {
      challenge: toBase64url(bufferSource(required(pk, "challenge", "publicKey"), "publicKey.challenge")),
    };
    if (pk.timeout !== undefined)
      out.timeout = unsignedLong(pk.timeout);
    const rpId = optionalString(pk, "rpId");
    if (rpId !== undefined)
      out.rpId = rpId;
    const allow = descriptors(pk.allowCredentials, "publicKey.allowCredentials");
    if (allow !== undefined)
      out.allowCredentials = allow;
    const uv = optionalString(pk, "userVerification");
    if (uv !== undefined)
      out.userVerification = uv;
    return out;
  }

  // The channel to the relay.

  let nextId = 1;
  const waiting = new Map();

  listen.call(window, REPLY_EVENT, (event) => {
    let answer;
    try {
      answer = jsonParse(event.detail);
    } catch {
      return;
    }
    if (answer === null || typeof answer !== "object")
      return;
    const entry = waiting.get(answer.id);
    if (entry === undefined)
      return;
    waiting.delete(answer.id);
    entry.settle(answer);
  });

  function post(message) {
    dispatch.call(window, new NativeCustomEvent(REQUEST_EVENT, { detail: jsonStringify(message) }));
  }

  function exceptionFrom(answer) {
    const message = typeof answer.message === "string" ? answer.message : "";
    if (answer.name === "TypeError")
      return new TypeError(message);
    const name = EXCEPTION_NAMES.has(answer.name) ? answer.name : "UnknownError";
    return new NativeDOMException(message, name);
  }

  // Sends a ceremony and waits for its answer, or for the signal.
  function ceremony(kind, publicKey, mediation, signal) {
    return new NativePromise((resolve, reject) => {
      if (signal !== undefined && signal.aborted) {
        reject(signal.reason);
        return;
      }

      const id = nextId++;
      let onAbort = null;
      const done = () => {
        waiting.delete(id);
        if (onAbort !== null)
          unlisten.call(signal, "abort", onAbort);
      };

      if (signal !== undefined) {
        onAbort = () => {
          done();
          post({ kind: "abort", id });
          // Chrome rejects with whatever the page aborted with.
          reject(signal.reason);
        };
        listen.call(signal, "abort", onAbort);
      }

      waiting.set(id, {
        settle(answer) {
          done();
          try {
            if (answer.ok === true)
              resolve(credentialFrom(kind, answer.credential));
            else
              reject(exceptionFrom(answer));
          } catch (e) {
            reject(e);
          }
        },
      });

      const message = { kind, id, publicKey };
      if (mediation !== undefined)
        message.mediation = mediation;
      post(message);
    });
  }

  // The credential types.

  const Credential = typeof window.Credential === "function" ? window.Credential : defineInterface("Credential");
  const PublicKeyCredential = defineInterface("PublicKeyCredential", Credential);
  const AuthenticatorResponse = typeof window.AuthenticatorResponse === "function"
    ? window.AuthenticatorResponse : defineInterface("AuthenticatorResponse");
  const AuthenticatorAttestationResponse = defineInterface("AuthenticatorAttestationResponse", AuthenticatorResponse);
  const AuthenticatorAssertionResponse = defineInterface("AuthenticatorAssertionResponse", AuthenticatorResponse);
  const CredentialsContainer = typeof window.CredentialsContainer === "function"
    ? window.CredentialsContainer : defineInterface("CredentialsContainer");

  if (!("id" in Credential.prototype)) {
    defineGetter(Credential, "id", (s) => s.id);
    defineGetter(Credential, "type", (s) => s.type);
  }
  defineGetter(PublicKeyCredential, "rawId", (s) => s.rawId);
  defineGetter(PublicKeyCredential, "response", (s) => s.response);
  defineGetter(PublicKeyCredential, "authenticatorAttachment", (s) => s.authenticatorAttachment);

  defineGetter(AuthenticatorResponse, "clientDataJSON", (s) => s.clientDataJSON);
  defineGetter(AuthenticatorAttestationResponse, "attestationObject", (s) => s.attestationObject);
  defineGetter(AuthenticatorAssertionResponse, "authenticatorData", (s) => s.authenticatorData);
  defineGetter(AuthenticatorAssertionResponse, "signature", (s) => s.signature);
  defineGetter(AuthenticatorAssertionResponse, "userHandle", (s) => s.userHandle);

  const attestationProto = AuthenticatorAttestationResponse.prototype;
  defineMethod(attestationProto, "getTransports", function () {
    return slotsOf(this, AuthenticatorAttestationResponse).transports.slice();
  });
  defineMethod(attestationProto, "getPublicKey", function () {
    return slotsOf(this, AuthenticatorAttestationResponse).publicKey.slice(0);
  });
  defineMethod(attestationProto, "getPublicKeyAlgorithm", function () {
    return slotsOf(this, AuthenticatorAttestationResponse).publicKeyAlgorithm;
  });
  defineMethod(attestationProto, "getAuthenticatorData", function () {
    return slotsOf(this, AuthenticatorAttestationResponse).authenticatorData.slice(0);
  });

  function copyJSON(value) {
    return jsonParse(jsonStringify(value));
  }

  defineMethod(PublicKeyCredential.prototype, "getClientExtensionResults", function () {
    return copyJSON(slotsOf(this, PublicKeyCredential).extensions);
  });

  const b64 = (buffer) => toBase64url(new Uint8Array(buffer));

  defineMethod(PublicKeyCredential.prototype, "toJSON", function () {
    const s = slotsOf(this, PublicKeyCredential);
    const r = slots.get(s.response);
    let response;
    if (s.kind === "create") {
      response = {
        clientDataJSON: b64(r.clientDataJSON),
        authenticatorData: b64(r.authenticatorData),
        transports: r.transports.slice(),
        publicKey: b64(r.publicKey),
        publicKeyAlgorithm: r.publicKeyAlgorithm,
        attestationObject: b64(r.attestationObject),
      };
    } else {
      response = {
        clientDataJSON: b64(r.clientDataJSON),
        authenticatorData: b64(r.authenticatorData),
        signature: b64(r.signature),
      };
      if (r.userHandle !== null)
        response.userHandle = b64(r.userHandle);
    }
    return {
      id: s.id,
      rawId: b64(s.rawId),
      response,
      authenticatorAttachment: s.authenticatorAttachment,
      clientExtensionResults: copyJSON(s.extensions),
      type: s.type,
    };
  });

  function credentialFrom(kind, c) {
    if (c === null || typeof c !== "object" || c.response === null || typeof c.response !== "object")
      throw new NativeDOMException("The authenticator sent a malformed answer.", "UnknownError");
    const r = c.response;
    let response;
    if (kind === "create") {
      response = make(AuthenticatorAttestationResponse, {
        clientDataJSON: answerBuffer(r.clientDataJSON),
        attestationObject: answerBuffer(r.attestationObject),
        authenticatorData: answerBuffer(r.authenticatorData),
        publicKey: answerBuffer(r.publicKey),
        publicKeyAlgorithm: Number(r.publicKeyAlgorithm),
        transports: Array.isArray(r.transports) ? r.transports.map(String) : [],
      });
    } else {
      response = make(AuthenticatorAssertionResponse, {
        clientDataJSON: answerBuffer(r.clientDataJSON),
        authenticatorData: answerBuffer(r.authenticatorData),
        signature: answerBuffer(r.signature),
        userHandle: typeof r.userHandle === "string" ? answerBuffer(r.userHandle) : null,
      });
    }
    return make(PublicKeyCredential, {
      kind,
      id: String(c.id),
      type: "public-key",
      rawId: answerBuffer(c.id),
      response,
      authenticatorAttachment: typeof c.authenticatorAttachment === "string" ? c.authenticatorAttachment : null,
      extensions: c.clientExtensionResults !== null && typeof c.clientExtensionResults === "object"
        ? copyJSON(c.clientExtensionResults) : {},
    });
  }

  // Statics.

  defineMethod(PublicKeyCredential, "isConditionalMediationAvailable", function () {
    return NativePromise.resolve(true);
  });
  defineMethod(PublicKeyCredential, "isUserVerifyingPlatformAuthenticatorAvailable", function () {
    return NativePromise.resolve(true);
  });
  defineMethod(PublicKeyCredential, "getClientCapabilities", function () {
    return NativePromise.resolve({
      conditionalCreate: false,
      conditionalGet: true,
      hybridTransport: false,
      passkeyPlatformAuthenticator: true,
      userVerifyingPlatformAuthenticator: true,
      relatedOrigins: false,
      signalAllAcceptedCredentials: false,
      signalCurrentUserDetails: false,
      signalUnknownCredential: false,
      "extension:credProps": true,
    });
  });

  function jsonDescriptors(list, what) {
    if (list === undefined)
      return undefined;
    if (!Array.isArray(list))
      throw new TypeError(`${what} is not a sequence`);
    return list.map((entry, i) => {
      const d = dictionary(entry, `${what}[${i}]`);
      const out = { ...d, id: fromBase64url(required(d, "id", `${what}[${i}]`), `${what}[${i}].id`) };
      return out;
    });
  }

  defineMethod(PublicKeyCredential, "parseCreationOptionsFromJSON", function (options) {
    const o = dictionary(options, "options");
    const user = dictionary(required(o, "user", "options"), "options.user");
    const out = {
      ...o,
      challenge: fromBase64url(required(o, "challenge", "options"), "options.challenge"),
      user: { ...user, id: fromBase64url(required(user, "id", "options.user"), "options.user.id") },
    };
    required(o, "rp", "options");
    required(o, "pubKeyCredParams", "options");
    const exclude = jsonDescriptors(o.excludeCredentials, "options.excludeCredentials");
    if (exclude !== undefined)
      out.excludeCredentials = exclude;
    return out;
  });

  defineMethod(PublicKeyCredential, "parseRequestOptionsFromJSON", function (options) {
    const o = dictionary(options, "options");
    const out = {
      ...o,
      challenge: fromBase64url(required(o, "challenge", "options"), "options.challenge"),
    };
    const allow = jsonDescriptors(o.allowCredentials, "options.allowCredentials");
    if (allow !== undefined)
      out.allowCredentials = allow;
    return out;
  });

  // navigator.credentials.

  function signalOf(options) {
    const signal = options.signal;
    if (signal === undefined)
      return undefined;
    if (!(signal instanceof AbortSignal))
      throw new TypeError("Failed to read the 'signal' property: it is not of type 'AbortSignal'");
    return signal;
  }

  const container = make(CredentialsContainer, {});

  // create() and get(): the steps both take before their own options.
  function containerMethod(kind, convert) {
    return async function (options = {}) {
      slotsOf(this, CredentialsContainer);
      const o = dictionary(options, "options");
      const signal = signalOf(o);
      if (o.publicKey === undefined)
        throw new NativeDOMException("Only publicKey credentials are supported.", "NotSupportedError");
      if (signal !== undefined && signal.aborted)
        throw signal.reason;
      const mediation = optionalString(o, "mediation");
      return ceremony(kind, convert(o.publicKey), mediation, signal);
    };
  }

  defineMethod(CredentialsContainer.prototype, "create", containerMethod("create", creationOptions));
  defineMethod(CredentialsContainer.prototype, "get", containerMethod("get", requestOptions));

  defineMethod(CredentialsContainer.prototype, "store", async function () {
    slotsOf(this, CredentialsContainer);
    throw new NativeDOMException("Storing credentials is not supported.", "NotSupportedError");
  });

  defineMethod(CredentialsContainer.prototype, "preventSilentAccess", async function () {
    slotsOf(this, CredentialsContainer);
  });

  defineProperty(Navigator.prototype, "credentials", {
    get: function () {
      if (!(this instanceof Navigator))
        throw new TypeError("Illegal invocation");
      return container;
    },
    enumerable: true,
    configurable: true,
  });
})();
