/* test_reporting_svg.c - charts as SVG (svg.c, chart.c): well-formed XML
 * (a small checker here, and xmllint when it is installed), every text
 * escaped, a <title> and a <desc>, nothing fetched from outside, numbers in
 * a fixed format whatever the locale, the mean and limits at the y a
 * hand-worked scale gives, a suppressed bar (or a count from 1 to 4) drawn
 * as "*" with no bar, and funnel limits kept inside the plot. */
#include <criterion/criterion.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "svg.h"

#define HOSTILE "<script>alert(\"x\")</script> & 'co'"
#define HOSTILE_ESC "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"

/* A strict enough XML check: tags nest and close, attribute values are
 * quoted, every & starts one of the five entities or a numeric reference,
 * no raw < in text, and one root element. Returns NULL or what is wrong. */
static const char *s_xml_error(const char *s)
{
    const char *stack[64];
    size_t lens[64], depth = 0, roots = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '&') {
            static const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&apos;"};
            int ok = 0;
            for (size_t i = 0; i < 6; i++)
                ok |= !strncmp(p, ents[i], strlen(ents[i]));
            if (!ok)
                return "a bare &";
        } else if (*p == '>' && depth == 0 && roots == 0) {
            return "a > before the root";
        } else if (*p == '<') {
            if (p[1] == '?') { /* a declaration */
                p = strstr(p, "?>");
                if (!p)
                    return "an unclosed <?";
                p++;
                continue;
            }
            int closing = p[1] == '/';
            const char *n = p + 1 + closing, *e = n;
            while (*e && !strchr(" \t\n/>", *e))
                e++;
            if (e == n)
                return "a < that starts no tag";
            const char *q = e;
            while (*q && *q != '>') { /* attributes: name="value" */
                if (*q == '"' || *q == '\'')
                    return "a quote outside a value";
                if (*q == '=') {
                    char quote = q[1];
                    if (quote != '"' && quote != '\'')
                        return "an unquoted attribute";
                    const char *v = strchr(q + 2, quote);
                    if (!v || memchr(q + 2, '<', (size_t)(v - q - 2)))
                        return "a bad attribute value";
                    q = v;
                }
                q++;
            }
            if (!*q)
                return "an unclosed tag";
            int empty = q[-1] == '/';
            if (closing) {
                if (!depth || lens[depth - 1] != (size_t)(e - n) ||
                    strncmp(stack[depth - 1], n, lens[depth - 1]))
                    return "a close tag that does not match";
                depth--;
            } else if (!empty) {
                if (depth == 0 && roots++)
                    return "two roots";
                if (depth == 64)
                    return "too deep";
                stack[depth] = n;
                lens[depth++] = (size_t)(e - n);
            }
            p = q;
        }
    }
    return depth ? "unclosed elements" : roots == 1 ? NULL : "no root";
}

static void s_well_formed(const char *svg)
{
    cr_assert_not_null(svg);
    const char *e = s_xml_error(svg);
    cr_assert_null(e, "not well-formed: %s", e ? e : "");
    cr_assert(strstr(svg, "<title>") && strstr(svg, "<desc>"), "no <title> or <desc>");
    cr_assert_null(strstr(svg, "href"), "a link to something outside");
    cr_assert_null(strstr(svg, "url("), "a resource from outside");
    if (access("/usr/bin/xmllint", X_OK) == 0) { /* libxml2's own opinion too */
        char path[] = "/tmp/rp-svg-XXXXXX";
        int fd = mkstemp(path);
        cr_assert(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fputs(svg, f);
        fclose(f);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout %s 2>/dev/null", path);
        int rc = system(cmd);
        unlink(path);
        cr_assert_eq(rc, 0, "xmllint finds the SVG not well-formed");
    }
}

static size_t s_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* 10..40 with limits 5 and 45: the axis runs 0 to 50 in steps of 10, so a
 * value v sits at y = 340 - v / 50 * (340 - 96). */
static rp_xmr_point_t s_pts[] = {
    {"2025-01", 10, 0},
    {"2025-02", 20, 0},
    {"2025-03", 40, RP_CAUSE_CONCERN},
    {"2025-04", 30, 0},
};
static rp_xmr_t s_xmr = {
    .title = "Complaints",
    .x_label = "Month",
    .y_label = "Count",
    .pts = s_pts,
    .npts = 4,
    .mean = 25,
    .upper = 45,
    .lower = 5,
    .has_target = 1,
    .target = 30,
    .decimals = 1,
    .variation = RP_VAR_CONCERN_HIGH,
    .assurance = RP_ASSURE_HIT_MISS,
};

Test(reporting_svg, xmr_chart_is_well_formed_with_title_and_desc)
{
    char *svg = rp_svg_xmr(&s_xmr);
    s_well_formed(svg);
    cr_assert(strstr(svg, "<title>Complaints</title>"));
    cr_assert(strstr(svg, "Special cause of concern: 2025-03 (40.0)"), "the desc names it");
    cr_assert(strstr(svg, "Variation: special cause of concern, high"));
    cr_assert(strstr(svg, "Assurance: the target is hit and miss"));
    free(svg);
}

Test(reporting_svg, mean_limits_and_target_at_the_hand_computed_y)
{
    char *svg = rp_svg_xmr(&s_xmr);
    cr_assert_not_null(svg);
    /* x from RP_XMR_LEFT (74) to RP_XMR_RIGHT (636) */
    cr_assert(strstr(svg, "class=\"mean\" points=\"74.00,218.00 636.00,218.00\""), "mean 25");
    cr_assert(strstr(svg, "class=\"upper\" points=\"74.00,120.40 636.00,120.40\""), "UPL 45");
    cr_assert(strstr(svg, "class=\"lower\" points=\"74.00,315.60 636.00,315.60\""), "LPL 5");
    cr_assert(strstr(svg, "class=\"target\" points=\"74.00,193.60 636.00,193.60\""), "target 30");
    /* points at 74+12 + i * (562-24)/3; the special cause orange and larger */
    cr_assert(strstr(svg, "cx=\"86.00\" cy=\"291.20\" r=\"4.00\" fill=\"#7B7D7D\""), "10, grey");
    cr_assert(strstr(svg, "cx=\"444.67\" cy=\"144.80\" r=\"5.50\" fill=\"#ED8B00\""), "40, orange");
    cr_assert(strstr(svg, ">UPL 45.0</text>") && strstr(svg, ">Mean 25.0</text>"));
    free(svg);
}

Test(reporting_svg, every_text_is_escaped)
{
    rp_xmr_point_t pts[] = {{HOSTILE, 3, 0}, {"bad \xff byte \x01", 4, 0}};
    rp_xmr_t x = {.title = HOSTILE, .x_label = HOSTILE, .y_label = HOSTILE, .pts = pts, .npts = 2};
    char *svg = rp_svg_xmr(&x);
    s_well_formed(svg);
    cr_assert_null(strstr(svg, "<script"));
    cr_assert(s_count(svg, HOSTILE_ESC) >= 5, "title, desc, both axis titles, a label");
    cr_assert(strstr(svg, "bad \xEF\xBF\xBD byte \xEF\xBF\xBD"), "U+FFFD for what XML cannot hold");
    free(svg);

    rp_bar_t bars[] = {{HOSTILE, 10, 0}};
    rp_bars_t b = {.title = HOSTILE, .x_label = "n", .bars = bars, .nbars = 1};
    svg = rp_svg_bars(&b);
    s_well_formed(svg);
    cr_assert_null(strstr(svg, "<script"));
    free(svg);
}

Test(reporting_svg, numbers_ignore_the_locale)
{
    char b[32];
    cr_assert_str_eq(rp_fmt_num(b, sizeof b, 1234.5, 1), "1234.5");
    cr_assert_str_eq(rp_fmt_num(b, sizeof b, 2.5, 0), "3");
    cr_assert_str_eq(rp_fmt_num(b, sizeof b, -2.25, 1), "-2.3");
    cr_assert_str_eq(rp_fmt_num(b, sizeof b, -0.004, 2), "0.00");
    cr_assert_str_eq(rp_fmt_num(b, sizeof b, NAN, 2), "-");
    cr_assert_str_eq(rp_fmt_count(b, sizeof b, 113780), "113,780");
    cr_assert_str_eq(rp_fmt_count(b, sizeof b, -1234567), "-1,234,567");
    cr_assert_str_eq(rp_fmt_count(b, sizeof b, 999), "999");
    /* under a locale with a decimal comma, the chart is the same */
    char *before = rp_svg_xmr(&s_xmr);
    const char *locs[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8"};
    int set = 0;
    for (size_t i = 0; i < 3 && !set; i++)
        set = setlocale(LC_ALL, locs[i]) != NULL;
    char *after = rp_svg_xmr(&s_xmr);
    setlocale(LC_ALL, "C");
    cr_assert_str_eq(before, after);
    cr_assert_null(strstr(after, "25,0"));
    free(before);
    free(after);
}

Test(reporting_svg, suppressed_cells_draw_no_bar)
{
    rp_bar_t bars[] = {
        {"Clinical treatment", 48, 0}, {"Privacy", 0, 1}, /* suppressed by the arithmetic */
        {"Appointments", 3, 0}, /* a count of 3 left unsuppressed: the safety net */
        {"Prescribing", 0, 0},  /* zero: no bar, but "0" */
        {"Communications", 12, 0},
    };
    rp_bars_t b = {.title = "By subject", .x_label = "Complaints", .bars = bars, .nbars = 5};
    char *svg = rp_svg_bars(&b);
    s_well_formed(svg);
    cr_assert_eq(s_count(svg, "class=\"bar\""), 2, "bars for 48 and 12 only");
    cr_assert(strstr(svg, "<title>Privacy: suppressed (1 to 4)</title>"));
    cr_assert(strstr(svg, "<title>Appointments: suppressed (1 to 4)</title>"));
    cr_assert_null(strstr(svg, ">3</text>"), "the small count is not shown");
    cr_assert_eq(s_count(svg, ">*</text>"), 2);
    cr_assert(strstr(svg, ">0</text>"));
    cr_assert(strstr(svg, "* Suppressed"), "the footnote says what * means");
    free(svg);
}

/* Every point of every limit curve within the plot box (80..700, 64..380). */
static void s_inside(const char *svg, const char *cls)
{
    char key[64];
    snprintf(key, sizeof key, "class=\"%s\" points=\"", cls);
    size_t seen = 0;
    for (const char *p = svg; (p = strstr(p, key)); seen++) {
        p += strlen(key);
        double x, y;
        int n;
        while (sscanf(p, "%lf,%lf%n", &x, &y, &n) == 2) {
            cr_assert(x >= 80 - 1e-6 && x <= 700 + 1e-6 && y >= 64 - 1e-6 && y <= 380 + 1e-6,
                      "%s point %.2f,%.2f outside the plot", cls, x, y);
            p += n;
        }
    }
    cr_assert(seen > 0, "no %s curve", cls);
}

Test(reporting_svg, funnel_plot_labels_bodies_and_keeps_limits_inside)
{
    rp_funnel_body_t bodies[] = {
        {"RX1", 400, 0.86, 0},
        {"RX2", 150, 0.70, RP_CAUSE_CONCERN},
        {"RX3", 800, 0.95, RP_CAUSE_IMPROVE},
    };
    rp_limit_t l95[40], l998[40];
    for (int i = 0; i < 40; i++) { /* from n = 2, where they leave the axis */
        double n = 2 + i * 25.0, se = sqrt(0.85 * 0.15 / n);
        l95[i] = (rp_limit_t){n, 0.85 - 1.96 * se, fmin(1, 0.85 + 1.96 * se)};
        l998[i] = (rp_limit_t){n, 0.85 - 3.09 * se, fmin(1, 0.85 + 3.09 * se)};
    }
    rp_funnel_t f = {.title = "Acknowledged in time",
                     .x_label = "Received",
                     .y_label = "Rate",
                     .bodies = bodies,
                     .nbodies = 3,
                     .mean = 0.85,
                     .l95 = l95,
                     .n95 = 40,
                     .l998 = l998,
                     .n998 = 40,
                     .has_target = 1,
                     .target = 0.9};
    char *svg = rp_svg_funnel(&f);
    s_well_formed(svg);
    cr_assert(strstr(svg, ">RX1</text>") && strstr(svg, ">RX2</text>") &&
              strstr(svg, ">RX3</text>"));
    cr_assert_eq(s_count(svg, "class=\"point special\""), 2, "two outliers highlighted");
    cr_assert(strstr(svg, "<title>RX2: 70.0% of 150, outlier (worse)</title>"));
    cr_assert(strstr(svg, "Outliers, worse: RX2 (70.0%). Outliers, better: RX3 (95.0%)."));
    s_inside(svg, "upper");
    s_inside(svg, "lower");
    cr_assert(strstr(svg, "class=\"target\""));
    free(svg);
}

Test(reporting_svg, empty_series_draws_a_frame)
{
    rp_xmr_t x = {.title = "Nothing yet"};
    char *svg = rp_svg_xmr(&x);
    s_well_formed(svg);
    free(svg);
    rp_bars_t b = {.title = "None"};
    svg = rp_svg_bars(&b);
    s_well_formed(svg);
    free(svg);
    rp_funnel_t f = {.title = "None", .mean = 0.5};
    svg = rp_svg_funnel(&f);
    s_well_formed(svg);
    free(svg);
}
