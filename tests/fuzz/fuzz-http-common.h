/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The tenant fuzz-http starts and the placeholders its inputs may hold;
 * gen-fuzz-data.py writes the seed requests with the same values. */

/* The tenant: fixed, so that seeds carry working Basic credentials. */
#define FUZZ_HTTP_TENANT_ID  "fuzz-tenant"
#define FUZZ_HTTP_SECRET_KEY "sk_fuzz_0123456789abcdefghijklmnopqrstuvwxyz"
#define FUZZ_HTTP_ORIGIN     "http://localhost:3000"
#define FUZZ_HTTP_USER_ID    "fuzz-user"

/* Replaced by an action token for FUZZ_HTTP_USER_ID (scope
 * add:authenticators) that the tenant issued at start-up. */
#define FUZZ_HTTP_TOKEN  "@TOKEN@"
/* Replaced by the length of what follows the first blank line. */
#define FUZZ_HTTP_LENGTH "@LENGTH@"
