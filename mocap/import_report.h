/* mocap/import_report.h: the import report of `drl2move motion import` (DIR/import_report.txt, also
 * printed): the marker set and why, matched / unmatched / unused markers, lab axes of each trial and
 * the walking direction, frames cut and gaps filled, per joint whether it is observed, warnings. */
#ifndef D2M_IMPORT_REPORT_H
#define D2M_IMPORT_REPORT_H

#include <stdio.h>

#include "mocap/ik_import.h"
#include "mocap/markers.h"
#include "mocap/markerset.h"

/* chosen: the embedded set's index when chosen automatically (counts[] its coverage), else -1. */
void import_report_markers(FILE *f, const markerset *set, int chosen, const int *counts, const mk_markers *trial,
                           const mk_markers *stat);
void import_report_result(FILE *f, const ik_result *r);
/* Copies the report file to stdout. */
void import_report_echo(const char *path);

#endif
