// SPDX-License-Identifier: GPL-3.0-or-later
//
// The relay between the page's WebAuthn shim and Sesame's native bridge.
// It runs in the isolated script world "sesame-bridge", in every frame:
// only this world can reach the native message handler, and here the page
// cannot change what window.top and location say, so each message tells
// native code truthfully which frame it came from. The page's JSON is
// passed on as text, untouched: native code reads it as hostile input.
//
// In the main frame it also watches the sign-in fields (autocomplete
// ending in "webauthn") for passkey autofill: focus with the field's
// rectangle, blur, and Escape.

(() => {
  "use strict";

  const REQUEST_EVENT = "sesame-webauthn-request";
  const REPLY_EVENT = "sesame-webauthn-reply";
  const isTop = window.top === window;

  function frame() {
    return { top: isTop, origin: window.location.origin };
  }

  function send(envelope) {
    const handlers = window.webkit && window.webkit.messageHandlers;
    if (!handlers || !handlers.sesameWebAuthn)
      return Promise.reject(new Error("The Sesame bridge is not installed"));
    return handlers.sesameWebAuthn.postMessage(JSON.stringify(envelope));
  }

  // The id of the request @body names, or null.
  function requestId(body) {
    let request = null;
    try {
      request = JSON.parse(body);
    } catch {
      return null;
    }
    const id = request !== null && typeof request === "object" ? request.id : undefined;
    return Number.isSafeInteger(id) && id >= 0 ? id : null;
  }

  function isWebauthnField(element) {
    if (!(element instanceof HTMLInputElement) && !(element instanceof HTMLTextAreaElement))
      return false;
    const tokens = (element.getAttribute("autocomplete") || "").trim().toLowerCase().split(/\s+/);
    return tokens[tokens.length - 1] === "webauthn";
  }

  function reportFocus(element) {
    const r = element.getBoundingClientRect();
    send({ frame: frame(), event: { kind: "focus", rect: { x: r.x, y: r.y, width: r.width, height: r.height } } })
      .catch(() => {});
  }

  function report(kind) {
    send({ frame: frame(), event: { kind } }).catch(() => {});
  }

  window.addEventListener(REQUEST_EVENT, (event) => {
    const body = event.detail;
    if (typeof body !== "string")
      return;

    send({ frame: frame(), body }).then((answer) => {
      // null answers an abort; a string is the ceremony's answer.
      if (typeof answer === "string")
        window.dispatchEvent(new CustomEvent(REPLY_EVENT, { detail: answer }));
    }, (error) => {
      // Native code refused the message before it could read it (too
      // large, say): the request it names still gets its answer, a
      // TypeError, or the page's promise would never settle. A page that
      // is going away is never answered this way: its reply is held, not
      // refused, until the next document replaces it.
      const id = requestId(body);
      if (id !== null)
        window.dispatchEvent(new CustomEvent(REPLY_EVENT, { detail: JSON.stringify({
          id, ok: false, name: "TypeError",
          message: error && typeof error.message === "string" ? error.message : "The request was refused",
        }) }));
    });

    // A conditional request that starts while the sign-in field already
    // has focus (autofocus) offers its passkeys at once, as in Chrome.
    if (isTop && isWebauthnField(document.activeElement)) {
      let request = null;
      try {
        request = JSON.parse(body);
      } catch {
        return;
      }
      if (request && request.kind === "get" && request.mediation === "conditional")
        reportFocus(document.activeElement);
    }
  });

  if (!isTop)
    return;

  // The field whose focus went with the window's (to the native popover,
  // say): when the window gets it back, the field's focus event is not
  // the user coming to it, and must not reopen the popover.
  let returning = null;

  document.addEventListener("focusin", (event) => {
    if (event.target === returning) {
      returning = null;
      return;
    }
    returning = null;
    if (isWebauthnField(event.target))
      reportFocus(event.target);
  }, true);

  document.addEventListener("focusout", (event) => {
    if (!isWebauthnField(event.target))
      return;
    const field = event.target;
    // When the window itself loses focus the field blurs too, but the
    // user has not left it: only a move within the page dismisses.
    setTimeout(() => {
      if (!document.hasFocus())
        returning = field;
      else if (!isWebauthnField(document.activeElement))
        report("blur");
    }, 0);
  }, true);

  // A click in the field that already has focus asks again, as in Chrome.
  document.addEventListener("click", (event) => {
    if (isWebauthnField(event.target) && event.target === document.activeElement)
      reportFocus(event.target);
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isWebauthnField(event.target))
      report("escape");
  }, true);
})();
