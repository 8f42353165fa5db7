/* analysis/report.c: gnuplot pictures and the HTML report (see report.h). */
#include "analysis/report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/plot.h"

static const char k_style[] =
    "body{font-family:sans-serif;max-width:1250px;margin:auto;padding:1em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #bbb;padding:3px 8px;"
    "text-align:right}th{background:#eee}td:first-child{text-align:left}figure{margin:1em 0}"
    "img{max-width:100%;border:1px solid #ddd}figcaption{font-size:90%;color:#444}";

/* HTML-escape s into f. */
static void esc(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else fputc(*s, f);
  }
}

int report_open(report *r, const char *dir, const char *title) {
  memset(r, 0, sizeof *r);
  r->dir = dir;
  char p[4200];
  snprintf(p, sizeof p, "%s/report.html", dir);
  if (!(r->html = fopen(p, "w"))) return -1;
  fprintf(r->html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
  esc(r->html, title);
  fprintf(r->html, "</title><style>%s</style></head><body>\n<h1>", k_style);
  esc(r->html, title);
  fprintf(r->html, "</h1>\n");
  return 0;
}

void report_close(report *r) {
  if (!r->html) return;
  fprintf(r->html, "<p><small>Written by drl2move analyze. Every picture has its data (.csv) and gnuplot script "
                   "(.gp) beside it in this folder.</small></p>\n</body></html>\n");
  fclose(r->html);
  r->html = NULL;
}

void report_heading(report *r, const char *text) {
  fputs("<h2>", r->html);
  esc(r->html, text);
  fputs("</h2>\n", r->html);
}

void report_text(report *r, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fputs("<p>", r->html);
  esc(r->html, buf);
  fputs("</p>\n", r->html);
}

int report_plot(report *r, const char *name, int width, int height, const char *caption, const char *body) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s.gp", r->dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  /* The body is drawn twice: PNG for the report, SVG for papers. */
  fprintf(f, "# %s\n# re-plot: gnuplot %s.gp (reads %s.csv in this folder)\n", caption, name, name);
  fprintf(f, "set datafile separator ','\nset datafile missing 'nan'\nset datafile columnheaders\n");
  fprintf(f, "do for [fmt in 'png svg'] {\n");
  fprintf(f, "  if (fmt eq 'png') { set terminal pngcairo size %d,%d font ',10' } else { set terminal svg size %d,%d "
             "font 'sans,10' }\n",
          width, height, width, height);
  fprintf(f, "  set output '%s.'.fmt\n%s\n  unset multiplot\n  set output\n}\n", name, body);
  fclose(f);
  char script[300], errname[300];
  snprintf(script, sizeof script, "%s.gp", name);
  snprintf(errname, sizeof errname, "%s.err", name);
  int ok = plot_run(r->dir, script, errname) == 0;
  if (ok) r->plots_ok++;
  else {
    r->plots_failed++;
    LOG_W("analyze: %s.png not made (gnuplot missing or failed, see %s/%s.err); data and script are there", name,
          r->dir, name);
  }
  fprintf(r->html, "<figure>");
  if (ok) fprintf(r->html, "<img src=\"%s.png\" alt=\"%s\">", name, name);
  fprintf(r->html, "<figcaption>");
  esc(r->html, caption);
  fprintf(r->html, " [<a href=\"%s.csv\">csv</a> <a href=\"%s.gp\">gp</a>%s%s%s]</figcaption></figure>\n", name, name,
          ok ? " <a href=\"" : "", ok ? name : "", ok ? ".svg\">svg</a>" : "");
  return ok ? 0 : -1;
}

static void cells(FILE *f, const char *tag, const char *s) {
  fputs("<tr>", f);
  while (1) {
    const char *bar = strchr(s, '|');
    size_t n = bar ? (size_t)(bar - s) : strlen(s);
    char cell[512];
    snprintf(cell, sizeof cell, "%.*s", (int)(n < sizeof cell ? n : sizeof cell - 1), s);
    fprintf(f, "<%s>", tag);
    esc(f, cell);
    fprintf(f, "</%s>", tag);
    if (!bar) break;
    s = bar + 1;
  }
  fputs("</tr>\n", f);
}

void report_table(report *r, const char *headers) {
  fputs("<table>\n", r->html);
  cells(r->html, "th", headers);
}

void report_row(report *r, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  cells(r->html, "td", buf);
}

void report_table_end(report *r) { fputs("</table>\n", r->html); }

void report_video(report *r, const char *src, const char *caption) {
  fprintf(r->html, "<figure><video controls loop muted width=\"640\" src=\"");
  esc(r->html, src);
  fprintf(r->html, "\"></video><figcaption>");
  esc(r->html, caption);
  fprintf(r->html, "</figcaption></figure>\n");
}

int report_file(report *r, const char *path, const char *caption) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  fprintf(r->html, "<p>");
  esc(r->html, caption);
  fprintf(r->html, "</p><pre>");
  char buf[4096];
  while (fgets(buf, sizeof buf, f)) esc(r->html, buf);
  fprintf(r->html, "</pre>\n");
  fclose(f);
  return 0;
}
