/*
 * Writing text into XML and HTML: escaping, and files embedded as base64
 * so that a report page carries its pictures with it.
 */
#ifndef SASEBED_REPORTS_MARKUP_H
#define SASEBED_REPORTS_MARKUP_H

#include <stdio.h>

/* Text or attribute content: the five specials escaped, and control
 * characters (which XML 1.0 cannot hold) as spaces.  NULL writes nothing. */
void markup_escape(FILE *f, const char *s);

/* The file at path, base64-encoded, onto f.  0, or -1 if it cannot be
 * read. */
int markup_base64_file(FILE *f, const char *path);

#endif
