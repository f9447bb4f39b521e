// SPDX-License-Identifier: GPL-3.0-or-later
//
// The sample app speaks the browser's language: Chromium contexts with a
// German, a French, an English and an unsupported (Japanese) locale open the
// page, and its static texts, a status message and the number format must
// follow navigator.languages, with English as the fallback. The expected
// words are written out here, not read from app.js.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, startServer, stopAndCheck } from './support/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server)
    await stopAndCheck(server);
});

const CASES = [
  {
    locale: 'de-DE', lang: 'de', hero: 'Banking ohne Passwörter',
    signIn: 'Mit einem Passkey anmelden', chooseUsername: 'Wählen Sie einen Benutzernamen.',
    amount: /4\.210,75/,
  },
  {
    locale: 'fr-FR', lang: 'fr', hero: 'La banque sans mot de passe',
    signIn: 'Se connecter avec une clé d’accès', chooseUsername: 'Choisissez un nom d’utilisateur.',
    amount: /4\s210,75/,
  },
  {
    locale: 'en-US', lang: 'en', hero: 'Banking without passwords',
    signIn: 'Sign in with a passkey', chooseUsername: 'Choose a username.', amount: /\$4,210\.75/,
  },
  {
    locale: 'ja-JP', lang: 'en', hero: 'Banking without passwords',
    signIn: 'Sign in with a passkey', chooseUsername: 'Choose a username.', amount: /4,210\.75/,
  },
];

for (const c of CASES) {
  test(`a ${c.locale} browser gets the page in "${c.lang}"`, { timeout: 30000 }, async () => {
    const context = await browser.newContext({ locale: c.locale });
    try {
      const page = await context.newPage();
      const response = await page.goto(server.appUrl + '?autofill=off', { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      await page.locator('#signed-out:not([hidden])').waitFor({ timeout: 10000 });

      assert.equal(await page.evaluate(() => document.documentElement.lang), c.lang);
      assert.equal((await page.locator('#hero-title').textContent()).trim(), c.hero);
      assert.equal((await page.locator('#signin-button').textContent()).trim(), c.signIn);

      // A message the script writes: signing up without a username.
      await page.locator('#signup-button').click();
      await page.waitForFunction((text) => document.getElementById('status').textContent === text,
                                 c.chooseUsername, { timeout: 5000 });

      const amount = await page.evaluate(
        () => document.querySelector('.amount').textContent);
      assert.match(amount, c.amount, `the balance in ${c.locale}: ${amount}`);
    } finally {
      await context.close();
    }
  });
}
