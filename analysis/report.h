/* analysis/report.h: pictures (gnuplot) and the one-page HTML report of `drl2move analyze`.
 *
 * Every picture NAME comes with NAME.csv (the data), NAME.gp (the script: it writes NAME.png with
 * the pngcairo terminal and NAME.svg with the svg terminal) and the pictures themselves, so users
 * can re-plot in their own tools. gnuplot (Debian gnuplot-nox) was chosen over PLplot because the
 * script is plain text beside the data that anybody can edit and re-run, it reads CSV columns by
 * name, and the learner already uses it for learning_curves.png. */
#ifndef D2M_REPORT_H
#define D2M_REPORT_H

#include <stdio.h>

typedef struct report {
  FILE *html;
  const char *dir;
  int plots_ok, plots_failed;
} report;

/* Opens DIR/report.html; 0 or -1. */
int report_open(report *r, const char *dir, const char *title);
void report_close(report *r);
void report_heading(report *r, const char *text);
void report_text(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes DIR/NAME.gp (terminal and output lines, then `body`), runs gnuplot in DIR, and adds the
 * picture with a caption and links to its CSV, script and SVG. Returns 0 if the PNG was made. */
int report_plot(report *r, const char *name, int width, int height, const char *caption, const char *body);
/* A table: report_table(r, "a|b|c") opens it with headers, report_row(r, "%s|%g|..", ...) adds rows
 * ('|' separates cells), report_table_end closes it. */
void report_table(report *r, const char *headers);
void report_row(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_table_end(report *r);
/* A video (MP4, H.264) at `src` (relative to the report or absolute). */
void report_video(report *r, const char *src, const char *caption);
/* The text file at path, verbatim in a <pre> block (e.g. eval's summary.json); 0 if read. */
int report_file(report *r, const char *path, const char *caption);

#endif
