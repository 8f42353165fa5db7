/* analysis/jsonw.h: writing JSON strings: the summaries name files and clips chosen by the user, and
 * a quote, backslash or control character in a path must not break the document. */
#ifndef D2M_JSONW_H
#define D2M_JSONW_H

#include <stdio.h>

/* s as a JSON string literal, quotes included (NULL: null). */
void jsonw_str(FILE *f, const char *s);

#endif
