/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sesame-webauthn-error.h"

G_DEFINE_QUARK (sesame-webauthn-error-quark, sesame_webauthn_error)

/* Stable, machine-readable names: they appear in JSON verdicts and in the
 * server's error bodies, so they must never be renamed. */
static const char * const error_names[] = {
  [SESAME_WEBAUTHN_ERROR_BAD_BASE64URL] = "bad_base64url",
  [SESAME_WEBAUTHN_ERROR_BAD_CLIENT_DATA] = "bad_client_data",
  [SESAME_WEBAUTHN_ERROR_BAD_CBOR] = "bad_cbor",
  [SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_OBJECT] = "bad_attestation_object",
  [SESAME_WEBAUTHN_ERROR_BAD_AUTHENTICATOR_DATA] = "bad_authenticator_data",
  [SESAME_WEBAUTHN_ERROR_BAD_COSE_KEY] = "bad_cose_key",
  [SESAME_WEBAUTHN_ERROR_BAD_CREDENTIAL] = "bad_credential",
  [SESAME_WEBAUTHN_ERROR_TYPE_MISMATCH] = "type_mismatch",
  [SESAME_WEBAUTHN_ERROR_CHALLENGE_MISMATCH] = "challenge_mismatch",
  [SESAME_WEBAUTHN_ERROR_CHALLENGE_REPLAYED] = "challenge_replayed",
  [SESAME_WEBAUTHN_ERROR_ORIGIN_MISMATCH] = "origin_mismatch",
  [SESAME_WEBAUTHN_ERROR_CROSS_ORIGIN_NOT_ALLOWED] = "cross_origin_not_allowed",
  [SESAME_WEBAUTHN_ERROR_TOP_ORIGIN_MISMATCH] = "top_origin_mismatch",
  [SESAME_WEBAUTHN_ERROR_TOKEN_BINDING_INVALID] = "token_binding_invalid",
  [SESAME_WEBAUTHN_ERROR_RP_ID_MISMATCH] = "rp_id_mismatch",
  [SESAME_WEBAUTHN_ERROR_USER_NOT_PRESENT] = "user_not_present",
  [SESAME_WEBAUTHN_ERROR_USER_NOT_VERIFIED] = "user_not_verified",
  [SESAME_WEBAUTHN_ERROR_BACKUP_STATE_INVALID] = "backup_state_invalid",
  [SESAME_WEBAUTHN_ERROR_BACKUP_ELIGIBILITY_CHANGED] = "backup_eligibility_changed",
  [SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_MISSING] = "attested_data_missing",
  [SESAME_WEBAUTHN_ERROR_ATTESTED_DATA_UNEXPECTED] = "attested_data_unexpected",
  [SESAME_WEBAUTHN_ERROR_EXTENSION_DATA_MISMATCH] = "extension_data_mismatch",
  [SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ALGORITHM] = "unsupported_algorithm",
  [SESAME_WEBAUTHN_ERROR_ALGORITHM_NOT_ALLOWED] = "algorithm_not_allowed",
  [SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_TOO_LONG] = "credential_id_too_long",
  [SESAME_WEBAUTHN_ERROR_CREDENTIAL_ID_MISMATCH] = "credential_id_mismatch",
  [SESAME_WEBAUTHN_ERROR_USER_HANDLE_MISMATCH] = "user_handle_mismatch",
  [SESAME_WEBAUTHN_ERROR_SIGNATURE_INVALID] = "signature_invalid",
  [SESAME_WEBAUTHN_ERROR_SIGN_COUNT_REGRESSION] = "sign_count_regression",
  [SESAME_WEBAUTHN_ERROR_UNSUPPORTED_ATTESTATION_FORMAT] = "unsupported_attestation_format",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_FORMAT_NOT_ALLOWED] = "attestation_format_not_allowed",
  [SESAME_WEBAUTHN_ERROR_BAD_ATTESTATION_STATEMENT] = "bad_attestation_statement",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_SIGNATURE_INVALID] = "attestation_signature_invalid",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_INVALID] = "attestation_certificate_invalid",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_AAGUID_MISMATCH] = "attestation_aaguid_mismatch",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_NONCE_MISMATCH] = "attestation_nonce_mismatch",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_PUBLIC_KEY_MISMATCH] = "attestation_public_key_mismatch",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_UNTRUSTED] = "attestation_untrusted",
  [SESAME_WEBAUTHN_ERROR_ATTESTATION_CERTIFICATE_REVOKED] = "attestation_certificate_revoked",
  [SESAME_WEBAUTHN_ERROR_TPM_INFO_INVALID] = "tpm_info_invalid",
  [SESAME_WEBAUTHN_ERROR_TPM_PUBLIC_AREA_MISMATCH] = "tpm_public_area_mismatch",
  [SESAME_WEBAUTHN_ERROR_ANDROID_KEY_AUTHORIZATION] = "android_key_authorization",
  [SESAME_WEBAUTHN_ERROR_SAFETYNET_DEVICE_INTEGRITY] = "safetynet_device_integrity",
  [SESAME_WEBAUTHN_ERROR_SAFETYNET_TIMESTAMP] = "safetynet_timestamp",
};

const char *
sesame_webauthn_error_to_string (SesameWebauthnError code)
{
  if ((unsigned) code >= G_N_ELEMENTS (error_names) || !error_names[code])
    return "unknown";
  return error_names[code];
}
