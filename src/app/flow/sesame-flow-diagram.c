/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "sesame-flow-diagram.h"

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

/* Geometry, in pixels at scale 1. */
#define LANE_MIN_WIDTH   150
#define LANE_NAT_WIDTH   210
#define HEADER_HEIGHT     64
#define ARROW_HEIGHT      46
#define DETAIL_HEIGHT     28
#define STEP_GAP          14
#define MARGIN            16
#define ARROW_HEAD         9

typedef struct
{
  SesameFlowLane from;
  SesameFlowLane to;
  char *title;
  char *request;
  char *answer;
  char *detail;
  gboolean failed;
} Step;

struct _SesameFlowDiagram
{
  GtkWidget parent_instance;

  GPtrArray *steps;     /* Step */
  guint n_shown;
  guint replay_id;
};

G_DEFINE_FINAL_TYPE (SesameFlowDiagram, sesame_flow_diagram, GTK_TYPE_WIDGET)

static void
step_free (Step *step)
{
  g_free (step->title);
  g_free (step->request);
  g_free (step->answer);
  g_free (step->detail);
  g_free (step);
}

const char *
sesame_flow_lane_get_name (SesameFlowLane lane)
{
  switch (lane)
    {
    case SESAME_FLOW_LANE_PAGE: return _("Web page");
    case SESAME_FLOW_LANE_BACKEND: return _("Your backend");
    case SESAME_FLOW_LANE_TENANT: return _("Local tenant");
    case SESAME_FLOW_LANE_AUTHENTICATOR: return _("Authenticator");
    case SESAME_FLOW_N_LANES:
    default:
      g_return_val_if_reached (NULL);
    }
}

static int
step_height (const Step *step)
{
  return 2 * ARROW_HEIGHT + (step->failed && step->detail ? DETAIL_HEIGHT : 0) + STEP_GAP;
}

static int
content_height (SesameFlowDiagram *self)
{
  int height = HEADER_HEIGHT + 2 * MARGIN;

  for (guint i = 0; i < self->steps->len; i++)
    height += step_height (self->steps->pdata[i]);
  return height;
}

static void
sesame_flow_diagram_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  SesameFlowDiagram *self = SESAME_FLOW_DIAGRAM (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = SESAME_FLOW_N_LANES * LANE_MIN_WIDTH + 2 * MARGIN;
      *natural = SESAME_FLOW_N_LANES * LANE_NAT_WIDTH + 2 * MARGIN;
    }
  else
    *minimum = *natural = content_height (self);
}

/* Drawing */

typedef struct
{
  GdkRGBA fg;
  GdkRGBA dim;
  GdkRGBA accent;
  GdkRGBA error;
  GdkRGBA lane;
} Palette;

static void
get_palette (GtkWidget *widget,
             Palette   *palette)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  gtk_style_context_get_color (context, &palette->fg);
  palette->dim = palette->fg;
  palette->dim.alpha *= 0.65;
  palette->lane = palette->fg;
  palette->lane.alpha *= 0.25;
  /* Dark enough on a light background and light enough on a dark one to
   * read on a projector; the failed arrow also says "refused" in words. */
  if (!gtk_style_context_lookup_color (context, "accent_color", &palette->accent))
    gdk_rgba_parse (&palette->accent, "#1c71d8");
  if (!gtk_style_context_lookup_color (context, "error_color", &palette->error))
    gdk_rgba_parse (&palette->error, "#c01c28");
}

static double
lane_x (int            width,
        SesameFlowLane lane)
{
  double lane_width = (double) (width - 2 * MARGIN) / SESAME_FLOW_N_LANES;

  return MARGIN + lane_width * (lane + 0.5);
}

static PangoLayout *
make_layout (GtkWidget  *widget,
             const char *text,
             double      scale,
             gboolean    bold,
             int         max_width,
             gboolean    wrap)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoFontDescription *font = pango_font_description_copy (
    pango_context_get_font_description (pango_layout_get_context (layout)));

  pango_font_description_set_size (font, pango_font_description_get_size (font) * scale);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  if (wrap)
    {
      /* Lane names wrap on two lines rather than lose their words. */
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height (layout, -2);
    }
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_width (layout, max_width * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_font_description_free (font);
  return layout;
}

static void
show_text (cairo_t       *cr,
           GtkWidget     *widget,
           const char    *text,
           double         center_x,
           double         top,
           int            max_width,
           double         scale,
           gboolean       bold,
           const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = make_layout (widget, text, scale, bold, max_width,
                                               top < HEADER_HEIGHT);

  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, center_x - max_width / 2.0, top);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_arrow (cairo_t       *cr,
            double         x1,
            double         x2,
            double         y,
            gboolean       dashed,
            const GdkRGBA *color)
{
  double direction = x2 > x1 ? 1 : -1;
  static const double dash[] = { 8, 6 };

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 3);
  cairo_set_dash (cr, dash, dashed ? G_N_ELEMENTS (dash) : 0, 0);
  cairo_move_to (cr, x1, y);
  cairo_line_to (cr, x2 - direction * ARROW_HEAD, y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_move_to (cr, x2, y);
  cairo_line_to (cr, x2 - direction * ARROW_HEAD * 1.6, y - ARROW_HEAD);
  cairo_line_to (cr, x2 - direction * ARROW_HEAD * 1.6, y + ARROW_HEAD);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
sesame_flow_diagram_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  SesameFlowDiagram *self = SESAME_FLOW_DIAGRAM (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double lane_width = (double) (width - 2 * MARGIN) / SESAME_FLOW_N_LANES;
  cairo_t *cr;
  Palette palette;
  double y;

  if (width <= 0 || height <= 0)
    return;
  get_palette (widget, &palette);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* Lanes and their names. */
  for (int lane = 0; lane < SESAME_FLOW_N_LANES; lane++)
    {
      double x = lane_x (width, lane);

      show_text (cr, widget, sesame_flow_lane_get_name (lane), x, MARGIN, (int) lane_width - 8,
                 1.15, TRUE, &palette.fg);
      gdk_cairo_set_source_rgba (cr, &palette.lane);
      cairo_rectangle (cr, x - 1.5, MARGIN + HEADER_HEIGHT - 12, 3,
                       height - MARGIN - (MARGIN + HEADER_HEIGHT - 12));
      cairo_fill (cr);
    }

  y = MARGIN + HEADER_HEIGHT;
  for (guint i = 0; i < self->steps->len && i < self->n_shown; i++)
    {
      Step *step = self->steps->pdata[i];
      double from = lane_x (width, step->from);
      double to = lane_x (width, step->to);
      double mid = (from + to) / 2;
      int span = (int) ABS (to - from) - 16;
      const GdkRGBA *answer_color = step->failed ? &palette.error : &palette.dim;

      show_text (cr, widget, step->request, mid, y, span, 1.1, TRUE, &palette.accent);
      draw_arrow (cr, from, to, y + ARROW_HEIGHT - 12, FALSE, &palette.accent);
      y += ARROW_HEIGHT;

      show_text (cr, widget, step->answer, mid, y, span, 1.1, step->failed, answer_color);
      draw_arrow (cr, to, from, y + ARROW_HEIGHT - 12, TRUE, answer_color);
      y += ARROW_HEIGHT;

      if (step->failed && step->detail)
        {
          show_text (cr, widget, step->detail, width / 2.0, y - 4, width - 2 * MARGIN, 1.0, FALSE,
                     &palette.error);
          y += DETAIL_HEIGHT;
        }
      y += STEP_GAP;
    }
  cairo_destroy (cr);
}

/* The text alternative */

static void
append_step_text (GString    *out,
                  guint       number,
                  const Step *step)
{
  /* Translators: a step of the flow diagram in words: "1. Your backend →
   * Local tenant: track; Local tenant → Your backend: token (Tracked
   * “signUp”)". */
  g_string_append_printf (out, _("%u. %s → %s: %s; %s → %s: %s (%s)"), number,
                          sesame_flow_lane_get_name (step->from),
                          sesame_flow_lane_get_name (step->to), step->request,
                          sesame_flow_lane_get_name (step->to),
                          sesame_flow_lane_get_name (step->from), step->answer, step->title);
  if (step->failed && step->detail)
    {
      g_string_append (out, " — ");
      g_string_append (out, step->detail);
    }
  g_string_append_c (out, '\n');
}

char *
sesame_flow_diagram_dup_text (SesameFlowDiagram *self)
{
  GString *out;

  g_return_val_if_fail (SESAME_IS_FLOW_DIAGRAM (self), NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->steps->len; i++)
    append_step_text (out, i + 1, self->steps->pdata[i]);
  if (out->len > 0)
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

static void
update_accessible (SesameFlowDiagram *self)
{
  g_autofree char *text = sesame_flow_diagram_dup_text (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  *text ? text : _("No steps yet"), -1);
}

/* Steps */

static Step *
step_copy (const SesameActivityStep *source)
{
  Step *step = g_new0 (Step, 1);

  step->from = source->from;
  step->to = source->to;
  step->title = g_strdup (source->title);
  step->request = g_strdup (source->request);
  step->answer = g_strdup (source->answer);
  step->detail = g_strdup (source->detail);
  step->failed = source->failed;
  return step;
}

void
sesame_flow_diagram_set_steps (SesameFlowDiagram *self,
                               GPtrArray         *steps)
{
  gboolean replaying;

  g_return_if_fail (SESAME_IS_FLOW_DIAGRAM (self));

  replaying = self->replay_id != 0;
  g_ptr_array_set_size (self->steps, 0);
  for (guint i = 0; steps && i < steps->len; i++)
    g_ptr_array_add (self->steps, step_copy (steps->pdata[i]));
  /* A replay goes on over the new steps; otherwise all are drawn. */
  if (!replaying)
    self->n_shown = self->steps->len;
  else
    self->n_shown = MIN (self->n_shown, self->steps->len);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
sesame_flow_diagram_get_n_steps (SesameFlowDiagram *self)
{
  g_return_val_if_fail (SESAME_IS_FLOW_DIAGRAM (self), 0);
  return self->steps->len;
}

guint
sesame_flow_diagram_get_n_shown (SesameFlowDiagram *self)
{
  g_return_val_if_fail (SESAME_IS_FLOW_DIAGRAM (self), 0);
  return MIN (self->n_shown, self->steps->len);
}

static gboolean
replay_step_cb (gpointer user_data)
{
  SesameFlowDiagram *self = user_data;

  self->n_shown++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->n_shown >= self->steps->len)
    {
      self->replay_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
sesame_flow_diagram_replay (SesameFlowDiagram *self)
{
  g_return_if_fail (SESAME_IS_FLOW_DIAGRAM (self));

  g_clear_handle_id (&self->replay_id, g_source_remove);
  self->n_shown = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->steps->len > 0)
    self->replay_id = g_timeout_add (SESAME_FLOW_DIAGRAM_REPLAY_INTERVAL, replay_step_cb, self);
}

gboolean
sesame_flow_diagram_is_replaying (SesameFlowDiagram *self)
{
  g_return_val_if_fail (SESAME_IS_FLOW_DIAGRAM (self), FALSE);
  return self->replay_id != 0;
}

/* GObject */

static void
sesame_flow_diagram_dispose (GObject *object)
{
  SesameFlowDiagram *self = SESAME_FLOW_DIAGRAM (object);

  g_clear_handle_id (&self->replay_id, g_source_remove);
  G_OBJECT_CLASS (sesame_flow_diagram_parent_class)->dispose (object);
}

static void
sesame_flow_diagram_finalize (GObject *object)
{
  SesameFlowDiagram *self = SESAME_FLOW_DIAGRAM (object);

  g_clear_pointer (&self->steps, g_ptr_array_unref);
  G_OBJECT_CLASS (sesame_flow_diagram_parent_class)->finalize (object);
}

static void
sesame_flow_diagram_class_init (SesameFlowDiagramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sesame_flow_diagram_dispose;
  object_class->finalize = sesame_flow_diagram_finalize;
  widget_class->measure = sesame_flow_diagram_measure;
  widget_class->snapshot = sesame_flow_diagram_snapshot;

  gtk_widget_class_set_css_name (widget_class, "flow-diagram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sesame_flow_diagram_init (SesameFlowDiagram *self)
{
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Flow diagram"), -1);
  update_accessible (self);
}

GtkWidget *
sesame_flow_diagram_new (void)
{
  return g_object_new (SESAME_TYPE_FLOW_DIAGRAM, NULL);
}
