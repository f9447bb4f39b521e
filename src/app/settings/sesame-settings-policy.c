/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Settings › Policy: user verification, attestation, attachment, allowed
 * algorithms and lifetimes. */

#include "config.h"

#include "sesame-settings-view-private.h"

#include "sesame-cose-key.h"
#include "sesame-tenant-settings.h"

#include <glib/gi18n.h>
#include <string.h>

static gboolean
check_token_lifetime (const char  *text,
                      gpointer     user_data,
                      GError     **error)
{
  gint64 value;

  return sesame_settings_parse_number (text, SESAME_TOKEN_LIFETIME_MIN, SESAME_TOKEN_LIFETIME_MAX,
                                       &value, error);
}

static gboolean
check_challenge_lifetime (const char  *text,
                          gpointer     user_data,
                          GError     **error)
{
  gint64 value;

  return sesame_settings_parse_number (text, SESAME_CHALLENGE_LIFETIME_MIN,
                                       SESAME_CHALLENGE_LIFETIME_MAX, &value, error);
}

/* Policy */

static const char * const uv_values[] = { "required", "preferred", "discouraged" };
static const char * const attestation_values[] = { "none", "direct" };
static const char * const attachment_values[] = { NULL, "platform", "cross-platform" };

static guint
find_value (const char * const *values,
            guint               n_values,
            const char         *value)
{
  for (guint i = 0; i < n_values; i++)
    if (g_strcmp0 (values[i], value) == 0)
      return i;
  return 0;
}

typedef struct
{
  const char *uv;
  const char *attestation;
  const char *attachment;
} Policy;

static void
set_policy (SesameTenant  *tenant,
            gconstpointer  data)
{
  const Policy *policy = data;

  g_free (tenant->user_verification);
  tenant->user_verification = g_strdup (policy->uv);
  g_free (tenant->attestation);
  tenant->attestation = g_strdup (policy->attestation);
  g_free (tenant->authenticator_attachment);
  tenant->authenticator_attachment = g_strdup (policy->attachment);
}

static void
policy_changed_cb (SesameSettingsView *self)
{
  Policy policy;

  if (self->refreshing || !self->tenant)
    return;
  policy.uv = uv_values[MIN (adw_combo_row_get_selected (self->uv_row),
                             G_N_ELEMENTS (uv_values) - 1)];
  policy.attestation = attestation_values[MIN (adw_combo_row_get_selected (self->attestation_row),
                                               G_N_ELEMENTS (attestation_values) - 1)];
  policy.attachment = attachment_values[MIN (adw_combo_row_get_selected (self->attachment_row),
                                             G_N_ELEMENTS (attachment_values) - 1)];
  sesame_settings_view_update_tenant (self, set_policy, &policy, NULL);
}

typedef struct
{
  const int *algs;
  gsize      n_algs;
} Algorithms;

static void
set_algorithms (SesameTenant  *tenant,
                gconstpointer  data)
{
  const Algorithms *algorithms = data;

  g_free (tenant->allowed_algorithms);
  tenant->allowed_algorithms = g_memdup2 (algorithms->algs, algorithms->n_algs * sizeof (int));
  tenant->n_allowed_algorithms = algorithms->n_algs;
}

static void
algorithm_toggled_cb (GtkSwitch          *toggle,
                      GParamSpec         *pspec,
                      SesameSettingsView *self)
{
  int alg = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "alg"));
  g_autoptr(GArray) algs = g_array_new (FALSE, FALSE, sizeof (int));
  Algorithms algorithms;

  if (self->refreshing || !self->tenant)
    return;
  /* The stored order stays (it is the order of preference); a newly
   * allowed one comes last. */
  for (gsize i = 0; i < self->tenant->n_allowed_algorithms; i++)
    if (self->tenant->allowed_algorithms[i] != alg)
      g_array_append_val (algs, self->tenant->allowed_algorithms[i]);
  if (gtk_switch_get_active (toggle))
    g_array_append_val (algs, alg);
  algorithms.algs = (const int *) algs->data;
  algorithms.n_algs = algs->len;
  sesame_settings_view_update_tenant (self, set_algorithms, &algorithms, NULL);
}

static gboolean
tenant_allows (const SesameTenant *tenant,
               int                 alg)
{
  for (gsize i = 0; i < tenant->n_allowed_algorithms; i++)
    if (tenant->allowed_algorithms[i] == alg)
      return TRUE;
  return FALSE;
}

static void
build_algorithm_rows (SesameSettingsView *self)
{
  gsize n_algs;
  const int *algs = sesame_cose_supported_algorithms (&n_algs);

  for (gsize i = 0; i < n_algs; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *subtitle = g_strdup_printf (_("COSE algorithm %d"), algs[i]);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     sesame_cose_algorithm_to_string (algs[i]));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (toggle), "alg", GINT_TO_POINTER (algs[i]));
      g_object_set_data (G_OBJECT (row), "switch", toggle);
      g_signal_connect_object (toggle, "notify::active", G_CALLBACK (algorithm_toggled_cb), self,
                               0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (self->algorithms_group, row);
      g_ptr_array_add (self->algorithm_rows, row);
    }
}

static void
set_token_lifetime (SesameTenant  *tenant,
                    gconstpointer  data)
{
  tenant->token_lifetime = *(const gint64 *) data;
}

static void
set_challenge_lifetime (SesameTenant  *tenant,
                        gconstpointer  data)
{
  tenant->challenge_lifetime = *(const gint64 *) data;
}

static void
lifetime_commit_cb (SesameCheckedRow   *row,
                    const char         *text,
                    SesameSettingsView *self)
{
  gboolean token = row == self->token_lifetime_row;
  gint64 min = token ? SESAME_TOKEN_LIFETIME_MIN : SESAME_CHALLENGE_LIFETIME_MIN;
  gint64 max = token ? SESAME_TOKEN_LIFETIME_MAX : SESAME_CHALLENGE_LIFETIME_MAX;
  gint64 value;

  /* Checked already by the row. */
  if (!sesame_settings_parse_number (text, min, max, &value, NULL))
    return;
  sesame_settings_view_update_tenant (self, token ? set_token_lifetime : set_challenge_lifetime,
                                      &value, row);
}

void
sesame_settings_view_refresh_policy (SesameSettingsView *self)
{
  g_autofree char *token = NULL;
  g_autofree char *challenge = NULL;

  if (!self->tenant)
    return;
  adw_combo_row_set_selected (self->uv_row, find_value (uv_values, G_N_ELEMENTS (uv_values),
                                                        self->tenant->user_verification));
  adw_combo_row_set_selected (self->attestation_row,
                              find_value (attestation_values, G_N_ELEMENTS (attestation_values),
                                          self->tenant->attestation));
  adw_combo_row_set_selected (self->attachment_row,
                              find_value (attachment_values, G_N_ELEMENTS (attachment_values),
                                          self->tenant->authenticator_attachment));
  for (guint i = 0; i < self->algorithm_rows->len; i++)
    {
      GtkSwitch *toggle = g_object_get_data (self->algorithm_rows->pdata[i], "switch");
      int alg = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "alg"));

      gtk_switch_set_active (toggle, tenant_allows (self->tenant, alg));
    }
  token = g_strdup_printf ("%" G_GINT64_FORMAT, self->tenant->token_lifetime);
  challenge = g_strdup_printf ("%" G_GINT64_FORMAT, self->tenant->challenge_lifetime);
  sesame_settings_show_value (self->token_lifetime_row, token);
  sesame_settings_show_value (self->challenge_lifetime_row, challenge);
}

void
sesame_settings_view_init_policy (SesameSettingsView *self)
{
  self->token_lifetime_row =
    sesame_settings_view_add_checked_row (self, self->lifetimes_group,
                                          _("Token Lifetime (seconds)"), check_token_lifetime,
                                          G_CALLBACK (lifetime_commit_cb));
  self->challenge_lifetime_row =
    sesame_settings_view_add_checked_row (self, self->lifetimes_group,
                                          _("Challenge Lifetime (seconds)"),
                                          check_challenge_lifetime,
                                          G_CALLBACK (lifetime_commit_cb));
  build_algorithm_rows (self);
  g_signal_connect_object (self->uv_row, "notify::selected", G_CALLBACK (policy_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attestation_row, "notify::selected",
                           G_CALLBACK (policy_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attachment_row, "notify::selected",
                           G_CALLBACK (policy_changed_cb), self, G_CONNECT_SWAPPED);
}
