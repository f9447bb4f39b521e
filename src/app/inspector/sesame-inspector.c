/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-inspector.h"

#include "sesame-aaguid.h"
#include "sesame-base64.h"
#include "sesame-copy-button.h"
#include "sesame-event-details.h"
#include "sesame-json.h"

#include <glib/gi18n.h>
#include <string.h>

struct _SesameInspector
{
  AdwBin parent_instance;

  GtkWidget *stack;       /* "empty" or "record" */
  GtkWidget *content;     /* the groups, rebuilt for each record */

  SesameCeremonyRecord *record;
  gulong verdict_handler;
  char *rp_id;
  gboolean uv_required;
  guint8 builtin_aaguid[16];
  gboolean has_builtin_aaguid;
};

G_DEFINE_FINAL_TYPE (SesameInspector, sesame_inspector, ADW_TYPE_BIN)

/* Reading the description */




/* A number, a boolean or a string as text; NULL when absent or null. */
static char *
dup_value_text (JsonObject *object,
                const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    default:
      return NULL;
    }
}


static JsonObject *
verdict_details (SesameCeremonyRecord *record,
                 JsonNode            **out_node)
{
  const SesameEvent *verdict = sesame_ceremony_record_get_verdict (record);

  *out_node = verdict ? sesame_event_parse_details (verdict) : NULL;
  return *out_node ? json_node_get_object (*out_node) : NULL;
}

/* Building rows */


static GtkWidget *
add_group (SesameInspector *self,
           const char      *title,
           const char      *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (GTK_BOX (self->content), group);
  return group;
}

/* A row with @value as its subtitle (plain text, never markup: values come
 * from the page) and, when @copy, a copy button for @copy_text (NULL: the
 * value). */
static GtkWidget *
add_row (GtkWidget  *group,
         const char *title,
         const char *value,
         gboolean    copy,
         const char *copy_text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value ? value : _("(not given)"));
  if (copy && (copy_text || value))
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), sesame_copy_button_new (copy_text ? copy_text : value));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

static void
add_member_row (GtkWidget  *group,
                const char *title,
                JsonObject *object,
                const char *member,
                gboolean    copy)
{
  g_autofree char *text = dup_value_text (object, member);

  add_row (group, title, text, copy, NULL);
}

static void
add_error_row (GtkWidget  *group,
               JsonObject *part)
{
  const char *message = sesame_json_member_string (part, "message");

  add_row (group, _("Does not decode"), message ? message : sesame_json_member_string (part, "error"), FALSE,
              NULL);
}

/* The verdict and the checks */

static const char *
check_title (const char     *check,
             SesameCeremony  ceremony)
{
  static const struct { const char *check; const char *title; } titles[] = {
    { "response", N_("The response has the shape of a credential") },
    { "credential-id", N_("The credential is the one the tenant stored") },
    { "user-handle", N_("The user handle belongs to the passkey’s user") },
    { "client-data", N_("The client data decodes") },
    { "type", N_("The client data’s type fits the ceremony") },
    { "challenge", N_("The challenge is the one the tenant issued, unused") },
    { "origin", N_("The origin is an expected origin") },
    { "authenticator-data", N_("The authenticator data decodes") },
    { "rp-id", N_("The RP ID hash is the tenant’s RP ID") },
    { "user-present", N_("The user was present (UP)") },
    { "user-verified", N_("The user was verified (UV)") },
    { "backup-state", N_("The backup flags are consistent") },
    { "algorithm", N_("The key algorithm is allowed") },
    { "attestation", N_("The attestation statement verifies") },
    { "backup-eligibility", N_("Backup eligibility is as registered") },
    { "signature", N_("The signature verifies with the stored public key") },
    { "sign-count", N_("The sign count went up") },
  };

  if (g_str_equal (check, "attested-data"))
    return ceremony == SESAME_CEREMONY_REGISTRATION ? _("The new credential is attached (AT)")
                                                    : _("No credential data is attached");
  for (gsize i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (titles[i].check, check))
      return _(titles[i].title);
  return check;
}

static GtkWidget *
status_icon (const char *icon_name,
             const char *css_class)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  /* The subtitle says the same in words; the icon is only a mark. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_add_css_class (icon, css_class);
  return icon;
}

static void
add_check_row (GtkWidget    *group,
               const char   *title,
               const char   *status,
               const char   *reason)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;
  const char *icon, *css;

  if (g_str_equal (status, "passed"))
    {
      icon = "object-select-symbolic";
      css = "success";
      subtitle = g_strdup (_("Passed"));
    }
  else if (g_str_equal (status, "failed"))
    {
      icon = "window-close-symbolic";
      css = "error";
      /* Translators: a check of the ceremony failed; %s is the tenant's reason. */
      subtitle = reason ? g_strdup_printf (_("Failed: %s"), reason) : g_strdup (_("Failed"));
    }
  else if (g_str_equal (status, "not-required"))
    {
      icon = "dialog-information-symbolic";
      css = "dim-label";
      subtitle = g_strdup (_("Not required by the tenant"));
    }
  else
    {
      icon = "content-loading-symbolic";
      css = "dim-label";
      subtitle = g_strdup (_("Not run: an earlier check failed"));
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), status_icon (icon, css));
  gtk_widget_add_css_class (row, "check-row");
  gtk_widget_add_css_class (row, status);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
}

static void
add_verdict (SesameInspector *self)
{
  SesameCeremonyRecord *record = self->record;
  const SesameEvent *verdict = sesame_ceremony_record_get_verdict (record);
  gboolean create = sesame_ceremony_record_get_ceremony (record) == SESAME_CEREMONY_REGISTRATION;
  g_autoptr(JsonNode) checks = NULL;
  GtkWidget *group;
  const char *title, *description;

  if (!sesame_ceremony_record_get_credential (record))
    {
      group = add_group (self, _("No Credential"), NULL);
      add_row (group, _("The authenticator gave no credential"),
               sesame_ceremony_record_get_failure (record), FALSE, NULL);
      return;
    }
  if (!verdict)
    {
      add_group (self, _("Waiting for the Tenant"),
                 _("The page has the credential; the tenant has not judged it yet."));
      return;
    }

  if (g_strcmp0 (verdict->outcome, "success") == 0)
    {
      title = create ? _("Registration Verified") : _("Sign-in Verified");
      description = verdict->reason;
    }
  else
    {
      title = create ? _("Registration Refused") : _("Sign-in Refused");
      description = verdict->reason;
    }
  group = add_group (self, title, description);
  gtk_widget_add_css_class (group, g_strcmp0 (verdict->outcome, "success") == 0 ? "verified"
                                                                                 : "refused");
  if (sesame_ceremony_record_get_injected_failure (record) != SESAME_INJECTED_FAILURE_NONE)
    add_row (group, _("Injected failure"),
             sesame_injected_failure_to_string (sesame_ceremony_record_get_injected_failure (record)),
             FALSE, NULL);

  checks = sesame_ceremony_record_dup_checks (record, self->uv_required);
  if (checks)
    {
      JsonArray *array = json_node_get_array (checks);
      gboolean any_ran = FALSE;

      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!g_str_equal (json_object_get_string_member (json_array_get_object_element (array, i),
                                                         "status"), "not-run"))
          any_ran = TRUE;
      /* Refused by a rule of the tenant before any verification. */
      if (!any_ran)
        add_check_row (group, _("The tenant’s rules allow this attempt"), "failed",
                       verdict->reason);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *check = json_array_get_object_element (array, i);
          const char *status = json_object_get_string_member (check, "status");

          add_check_row (group,
                         check_title (json_object_get_string_member (check, "check"),
                                      sesame_ceremony_record_get_ceremony (record)),
                         status, g_str_equal (status, "failed") ? verdict->reason : NULL);
        }
    }
}

/* The parts */

static char *
pretty_json (JsonNode *node)
{
  return json_to_string (node, TRUE);
}

static char *
algorithms_text (JsonObject *options)
{
  JsonArray *params = sesame_json_member_array (options, "pubKeyCredParams");
  GString *text;

  if (!params)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (params); i++)
    {
      JsonNode *element = json_array_get_element (params, i);
      g_autofree char *alg = JSON_NODE_HOLDS_OBJECT (element)
                               ? dup_value_text (json_node_get_object (element), "alg") : NULL;

      if (!alg)
        continue;
      if (text->len)
        g_string_append (text, ", ");
      g_string_append (text, alg);
    }
  return g_string_free (text, FALSE);
}

static void
add_options (SesameInspector *self)
{
  JsonNode *node = sesame_ceremony_record_get_options (self->record);
  JsonObject *options = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  gboolean create = sesame_ceremony_record_get_ceremony (self->record) == SESAME_CEREMONY_REGISTRATION;
  g_autofree char *json = node ? pretty_json (node) : NULL;
  g_autofree char *algorithms = NULL;
  JsonArray *credentials;
  GtkWidget *group, *row;

  group = add_group (self, _("Options"),
                     _("What the page passed to the authenticator: the tenant’s options, relayed by the page."));
  if (!options)
    {
      add_row (group, _("Options"), NULL, FALSE, NULL);
      return;
    }
  row = add_row (group, _("Relying party ID"), sesame_ceremony_record_get_rp_id (self->record),
                 TRUE, NULL);
  (void) row;
  add_member_row (group, _("Challenge"), options, "challenge", TRUE);
  if (create)
    {
      add_member_row (group, _("User name"), sesame_json_member_object (options, "user"), "name", FALSE);
      add_member_row (group, _("User handle"), sesame_json_member_object (options, "user"), "id", TRUE);
      algorithms = algorithms_text (options);
      add_row (group, _("Algorithms, in the tenant’s order"), algorithms, FALSE, NULL);
      add_member_row (group, _("Attestation"), options, "attestation", FALSE);
      add_member_row (group, _("Resident key"), sesame_json_member_object (options, "authenticatorSelection"),
                         "residentKey", FALSE);
      add_member_row (group, _("User verification"), sesame_json_member_object (options, "authenticatorSelection"),
                         "userVerification", FALSE);
      credentials = sesame_json_member_array (options, "excludeCredentials");
    }
  else
    {
      add_member_row (group, _("User verification"), options, "userVerification", FALSE);
      credentials = sesame_json_member_array (options, "allowCredentials");
    }
  {
    g_autofree char *count = g_strdup_printf ("%u", credentials ? json_array_get_length (credentials) : 0);

    add_row (group, create ? _("Excluded credentials") : _("Allowed credentials"), count, FALSE,
             NULL);
  }
  add_member_row (group, _("Timeout (ms)"), options, "timeout", FALSE);
  add_row (group, _("All options as JSON"), _("Copy to see every member"), TRUE, json);
}

static void
add_client_data (SesameInspector *self,
                 JsonObject      *description)
{
  JsonObject *client_data = sesame_json_member_object (description, "clientData");
  JsonNode *credential = sesame_ceremony_record_get_credential (self->record);
  JsonObject *response = sesame_json_member_object (json_node_get_object (credential), "response");
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *raw_text = NULL;
  GtkWidget *group = add_group (self, _("Client Data"),
                                _("Built by Sesame as a browser builds it, and signed over by the authenticator."));

  if (!client_data || json_object_has_member (client_data, "error"))
    {
      add_error_row (group, client_data);
      return;
    }
  add_member_row (group, _("Type"), client_data, "type", FALSE);
  add_member_row (group, _("Challenge"), client_data, "challenge", TRUE);
  add_member_row (group, _("Origin"), client_data, "origin", TRUE);
  if (json_object_has_member (client_data, "crossOrigin"))
    add_member_row (group, _("Cross-origin"), client_data, "crossOrigin", FALSE);
  if (json_object_has_member (client_data, "topOrigin"))
    add_member_row (group, _("Top origin"), client_data, "topOrigin", FALSE);
  if (sesame_json_member_string (response, "clientDataJSON"))
    raw = sesame_base64url_decode (sesame_json_member_string (response, "clientDataJSON"), NULL);
  if (raw && g_utf8_validate (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL))
    raw_text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  if (raw_text)
    add_row (group, _("clientDataJSON as sent"), raw_text, TRUE, NULL);
}

static void
add_flag_chip (GtkWidget  *box,
               const char *abbreviation,
               const char *name,
               gboolean    set)
{
  /* Translators: a flag of the authenticator data as a chip: "UV: yes". */
  g_autofree char *text = g_strdup_printf (_("%s: %s"), abbreviation, set ? _("yes") : _("no"));
  g_autofree char *accessible = g_strdup_printf (_("%s (%s): %s"), name, abbreviation,
                                                 set ? _("yes") : _("no"));
  GtkWidget *chip = gtk_label_new (text);

  gtk_widget_add_css_class (chip, "flag-chip");
  gtk_widget_add_css_class (chip, set ? "set" : "unset");
  gtk_widget_set_tooltip_text (chip, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  accessible, -1);
  gtk_box_append (GTK_BOX (box), chip);
}

static void
add_rp_id_hash_row (SesameInspector *self,
                    GtkWidget       *group,
                    const char      *rp_id_hash)
{
  const char *rp_id = self->rp_id ? self->rp_id : sesame_ceremony_record_get_rp_id (self->record);
  g_autofree char *expected = NULL;
  g_autofree char *subtitle = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  if (rp_id)
    {
      g_checksum_update (checksum, (const guchar *) rp_id, -1);
      g_checksum_get_digest (checksum, digest, &digest_len);
      expected = sesame_base64url_encode (digest, digest_len);
    }
  if (!rp_id_hash)
    subtitle = NULL;
  else if (expected && g_str_equal (expected, rp_id_hash))
    /* Translators: the RP ID hash; %s is the RP ID. */
    subtitle = g_strdup_printf (_("%s — matches SHA-256 of “%s”"), rp_id_hash, rp_id);
  else if (expected)
    subtitle = g_strdup_printf (_("%s — does not match SHA-256 of “%s”"), rp_id_hash, rp_id);
  else
    subtitle = g_strdup (rp_id_hash);
  add_row (group, _("RP ID hash"), subtitle, TRUE, rp_id_hash);
}

static void
add_authenticator_data (SesameInspector *self,
                        JsonObject      *description)
{
  JsonObject *auth_data = sesame_json_member_object (description, "authenticatorData");
  JsonObject *flags = sesame_json_member_object (auth_data, "flags");
  JsonObject *key = sesame_json_member_object (auth_data, "credentialPublicKey");
  GtkWidget *group = add_group (self, _("Authenticator Data"), NULL);
  GtkWidget *row, *chips;
  const char *aaguid;

  if (!auth_data || json_object_has_member (auth_data, "error"))
    {
      add_error_row (group, auth_data);
      return;
    }
  add_rp_id_hash_row (self, group, sesame_json_member_string (auth_data, "rpIdHash"));

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Flags"));
  chips = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (chips, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (chips, 6);
  gtk_widget_set_margin_bottom (chips, 6);
  add_flag_chip (chips, "UP", _("User present"), sesame_json_member_true (flags, "userPresent"));
  add_flag_chip (chips, "UV", _("User verified"), sesame_json_member_true (flags, "userVerified"));
  add_flag_chip (chips, "BE", _("Backup eligible"), sesame_json_member_true (flags, "backupEligible"));
  add_flag_chip (chips, "BS", _("Backed up"), sesame_json_member_true (flags, "backedUp"));
  add_flag_chip (chips, "AT", _("Attested credential data"),
                 sesame_json_member_true (flags, "attestedCredentialData"));
  add_flag_chip (chips, "ED", _("Extension data"), sesame_json_member_true (flags, "extensionData"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), chips);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);

  add_member_row (group, _("Sign count"), auth_data, "signCount", FALSE);
  aaguid = sesame_json_member_string (auth_data, "aaguid");
  if (aaguid)
    {
      g_autofree char *name = sesame_aaguid_dup_display_name (aaguid, self->has_builtin_aaguid
                                                                        ? self->builtin_aaguid
                                                                        : NULL);
      g_autofree char *text = g_strdup_printf ("%s (%s)", name, aaguid);

      add_row (group, _("Authenticator (AAGUID)"), text, TRUE, aaguid);
    }
  if (sesame_json_member_string (auth_data, "credentialId"))
    add_member_row (group, _("Credential ID"), auth_data, "credentialId", TRUE);
  else
    add_row (group, _("Credential ID"), sesame_ceremony_record_get_credential_id (self->record),
             TRUE, NULL);
  if (key)
    {
      const char *curve = sesame_json_member_string (key, "crv");
      g_autofree char *bits = dup_value_text (key, "bits");
      g_autofree char *text = NULL;

      if (curve)
        text = g_strdup_printf ("%s, %s", sesame_json_member_string (key, "algName"), curve);
      else if (bits)
        /* Translators: a public key algorithm and its size, "RS256, 2048 bits". */
        text = g_strdup_printf (_("%s, %s bits"), sesame_json_member_string (key, "algName"), bits);
      else
        text = g_strdup (sesame_json_member_string (key, "algName"));
      add_row (group, _("Public key"), text, FALSE, NULL);
    }
}

static void
add_attestation (SesameInspector *self,
                 JsonObject      *description)
{
  JsonObject *attestation = sesame_json_member_object (description, "attestation");
  JsonArray *certificates = sesame_json_member_array (attestation, "certificates");
  g_autoptr(JsonNode) details_node = NULL;
  JsonObject *details = verdict_details (self->record, &details_node);
  GtkWidget *group = add_group (self, _("Attestation"), NULL);
  const char *type;

  if (!attestation || json_object_has_member (attestation, "error"))
    {
      add_error_row (group, attestation);
      return;
    }
  add_member_row (group, _("Format"), attestation, "fmt", FALSE);
  if (json_object_has_member (attestation, "algName"))
    add_member_row (group, _("Statement algorithm"), attestation, "algName", FALSE);
  /* Only the tenant's verification establishes type and trust. */
  type = sesame_json_member_string (details, "attestationType");
  add_row (group, _("Type, as the tenant verified it"), type ? type : _("not verified"), FALSE,
           NULL);
  if (details && json_object_has_member (details, "attestationTrusted"))
    add_row (group, _("Reached a trust anchor"),
             sesame_json_member_true (details, "attestationTrusted") ? _("yes") : _("no"), FALSE, NULL);
  if (!certificates || json_array_get_length (certificates) == 0)
    {
      add_row (group, _("Certificates"), _("none (self or no attestation)"), FALSE, NULL);
      return;
    }
  for (guint i = 0; i < json_array_get_length (certificates); i++)
    {
      JsonObject *certificate = json_array_get_object_element (certificates, i);
      g_autofree char *title = g_strdup_printf (_("Certificate %u"), i + 1);
      g_autofree char *text = NULL;

      if (json_object_has_member (certificate, "error"))
        text = g_strdup (sesame_json_member_string (certificate, "message"));
      else
        /* Translators: a certificate: subject, issuer, validity. */
        text = g_strdup_printf (_("%s, issued by %s, valid %s to %s"),
                                sesame_json_member_string (certificate, "subject"),
                                   sesame_json_member_string (certificate, "issuer"),
                                   sesame_json_member_string (certificate, "notBefore"),
                                   sesame_json_member_string (certificate, "notAfter"));
      add_row (group, title, text, TRUE, sesame_json_member_string (certificate, "der"));
    }
}

static void
add_raw (SesameInspector *self)
{
  JsonNode *credential = sesame_ceremony_record_get_credential (self->record);
  g_autofree char *json = pretty_json (credential);
  GtkWidget *group = add_group (self, _("Raw Response"), NULL);

  add_row (group, _("The credential as the page got it"), _("PublicKeyCredential.toJSON()"), TRUE,
           json);
}

static void
rebuild (SesameInspector *self)
{
  JsonNode *description_node;
  JsonObject *description;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->content)))
    gtk_box_remove (GTK_BOX (self->content), child);

  if (!self->record)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "record");

  add_verdict (self);
  add_options (self);
  description_node = sesame_ceremony_record_get_description (self->record);
  if (!description_node)
    return;
  description = json_node_get_object (description_node);
  add_client_data (self, description);
  add_authenticator_data (self, description);
  if (sesame_ceremony_record_get_ceremony (self->record) == SESAME_CEREMONY_REGISTRATION)
    add_attestation (self, description);
  add_raw (self);
}

/* API */

void
sesame_inspector_set_policy (SesameInspector *self,
                             const char      *rp_id,
                             gboolean         user_verification_required,
                             const guint8    *builtin_aaguid)
{
  g_return_if_fail (SESAME_IS_INSPECTOR (self));

  g_free (self->rp_id);
  self->rp_id = g_strdup (rp_id);
  self->uv_required = user_verification_required;
  self->has_builtin_aaguid = builtin_aaguid != NULL;
  if (builtin_aaguid)
    memcpy (self->builtin_aaguid, builtin_aaguid, sizeof self->builtin_aaguid);
  rebuild (self);
}

static void
verdict_cb (SesameInspector *self)
{
  rebuild (self);
}

void
sesame_inspector_set_record (SesameInspector      *self,
                             SesameCeremonyRecord *record)
{
  g_return_if_fail (SESAME_IS_INSPECTOR (self));
  g_return_if_fail (!record || SESAME_IS_CEREMONY_RECORD (record));

  if (self->record == record)
    return;
  if (self->record)
    g_clear_signal_handler (&self->verdict_handler, self->record);
  g_set_object (&self->record, record);
  if (record)
    self->verdict_handler = g_signal_connect_swapped (record, "notify::verdict",
                                                      G_CALLBACK (verdict_cb), self);
  rebuild (self);
}

SesameCeremonyRecord *
sesame_inspector_get_record (SesameInspector *self)
{
  g_return_val_if_fail (SESAME_IS_INSPECTOR (self), NULL);
  return self->record;
}

/* GObject */

static void
sesame_inspector_dispose (GObject *object)
{
  SesameInspector *self = SESAME_INSPECTOR (object);

  if (self->record)
    g_clear_signal_handler (&self->verdict_handler, self->record);
  g_clear_object (&self->record);
  G_OBJECT_CLASS (sesame_inspector_parent_class)->dispose (object);
}

static void
sesame_inspector_finalize (GObject *object)
{
  SesameInspector *self = SESAME_INSPECTOR (object);

  g_free (self->rp_id);
  G_OBJECT_CLASS (sesame_inspector_parent_class)->finalize (object);
}

static void
sesame_inspector_class_init (SesameInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sesame_inspector_dispose;
  object_class->finalize = sesame_inspector_finalize;
}

static void
sesame_inspector_init (SesameInspector *self)
{
  GtkWidget *scrolled, *clamp, *empty;

  self->stack = gtk_stack_new ();
  adw_bin_set_child (ADW_BIN (self), self->stack);

  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "system-search-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Ceremony to Inspect"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("When the built-in authenticator answers a page of this action, its ceremony is decoded here."));
  gtk_stack_add_named (GTK_STACK (self->stack), empty, "empty");

  self->content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  gtk_widget_set_margin_top (self->content, 12);
  gtk_widget_set_margin_bottom (self->content, 24);
  gtk_widget_set_margin_start (self->content, 12);
  gtk_widget_set_margin_end (self->content, 12);
  clamp = adw_clamp_new ();
  adw_clamp_set_child (ADW_CLAMP (clamp), self->content);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "record");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}

GtkWidget *
sesame_inspector_new (void)
{
  return g_object_new (SESAME_TYPE_INSPECTOR, NULL);
}
