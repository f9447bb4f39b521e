// SPDX-License-Identifier: GPL-3.0-or-later
//
// Driving the Acme Bank sample app through the element ids the issue-3
// brief fixes: #signup-username, #signup-button, #signin-button,
// #autofill-username, #status, #account, #account-username, #passkey-list
// (li[data-id]), #add-passkey-button, .remove-passkey-button, #signout-button.

import assert from 'node:assert/strict';

const READY = '#signup-username:visible, #account:visible';

/** Script for addInitScript: the browser reports no conditional mediation,
 * so the page's autofill request never starts. Button tests use it so that
 * a background autofill request cannot race the button (in headless
 * Chromium it completes by itself when the authenticator has a match). */
export function disableConditionalMediation () {
  if (window.PublicKeyCredential) {
    Object.defineProperty(window.PublicKeyCredential, 'isConditionalMediationAvailable', {
      value: () => Promise.resolve(false),
      configurable: true,
    });
  }
}

export async function openApp (tab, url) {
  const response = await tab.page.goto(url, { waitUntil: 'load' });
  assert.equal(response.status(), 200, `GET ${url}`);
  await tab.page.locator(READY).first().waitFor({ timeout: 10000 });
}

export async function statusText (page) {
  return ((await page.locator('#status').textContent()) || '').trim();
}

export async function isSignedIn (page) {
  return page.locator('#account').isVisible();
}

export async function accountUsername (page) {
  return ((await page.locator('#account-username').textContent()) || '').trim();
}

export async function passkeyIds (page) {
  return page.locator('#passkey-list li[data-id]').evaluateAll(
    (items) => items.map((li) => li.dataset.id));
}

/** GET /api/me from inside the page (with its cookies). */
export async function me (page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/me', { credentials: 'same-origin' });
    let json = null;
    try {
      json = await r.json();
    } catch {}
    return { status: r.status, json };
  });
}

async function explain (tab) {
  const calls = await tab.webauthnCalls().catch(() => []);
  return `#status=${JSON.stringify(await statusText(tab.page).catch(() => '?'))}; ` +
    `webauthn calls=${JSON.stringify(calls)}; console=${JSON.stringify(tab.consoleLines.slice(-8))}`;
}

/** Waits until the signed-in view shows; the failure says what the page showed. */
export async function waitSignedIn (tab, timeout = 15000) {
  try {
    await tab.page.locator('#account').waitFor({ state: 'visible', timeout });
  } catch (e) {
    throw new Error(`the signed-in view (#account) did not show: ${await explain(tab)}`);
  }
}

export async function waitFor (tab, what, predicate, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value)
      return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${await explain(tab)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Clicks `selector` and resolves to the JSON body of the first POST reply
 * whose path ends in `pathEnd` (e.g. the Client API verify call).
 */
export async function clickAndCapture (tab, selector, pathEnd, timeout = 15000) {
  const reply = tab.page.waitForResponse(
    (r) => new URL(r.url()).pathname.endsWith(pathEnd) && r.request().method() === 'POST',
    { timeout });
  await tab.focus();
  await tab.page.click(selector);
  let response;
  try {
    response = await reply;
  } catch (e) {
    throw new Error(`no POST …${pathEnd} after clicking ${selector}: ${await explain(tab)}`);
  }
  let json = null;
  try {
    json = await response.json();
  } catch {}
  return { status: response.status(), json };
}

/**
 * Creates an account through the page: username in #signup-username, then
 * #signup-button; the authenticator makes the passkey. Resolves to /api/me.
 */
export async function signUpThroughApp (tab, username) {
  await tab.page.fill('#signup-username', username);
  await tab.focus();
  await tab.page.click('#signup-button');
  await waitSignedIn(tab);
  await waitFor(tab, `#account-username to read ${username}`,
                async () => (await accountUsername(tab.page)) === username);
  const session = await me(tab.page);
  assert.equal(session.status, 200, `/api/me after sign-up: ${JSON.stringify(session)}`);
  return session.json;
}

export function actionsOf (list, code) {
  return list.filter((a) => a.actionCode === code);
}
