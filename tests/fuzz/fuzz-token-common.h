/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The key and clock that make-token-seed issues its seed tokens with and
 * that fuzz-token verifies under, so that the seeds verify. */

#include <glib.h>

#define FUZZ_TOKEN_KEY "sesame-fuzz-token-key-0123456789abcdef"
#define FUZZ_TOKEN_KEY_LEN (sizeof FUZZ_TOKEN_KEY - 1)
/* 2025-11-24T16:00:00Z */
#define FUZZ_TOKEN_ISSUED_AT G_GINT64_CONSTANT (1764000000)
#define FUZZ_TOKEN_NOW (FUZZ_TOKEN_ISSUED_AT + 30)
