/*
 * Escaping and base64 (RFC 4648, with padding, no line breaks: a data URI
 * wants one line).
 */
#include "reports/markup.h"

void
markup_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n')
				ch = ' ';
			fputc(ch, f);
		}
	}
}

int
markup_base64_file(FILE *f, const char *path)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	FILE *in = fopen(path, "rb");
	unsigned char b[3];
	size_t n;

	if (in == NULL)
		return -1;
	while ((n = fread(b, 1, 3, in)) > 0) {
		unsigned v = (unsigned)b[0] << 16 |
		    (n > 1 ? (unsigned)b[1] << 8 : 0) | (n > 2 ? b[2] : 0);
		fputc(abc[v >> 18 & 63], f);
		fputc(abc[v >> 12 & 63], f);
		fputc(n > 1 ? abc[v >> 6 & 63] : '=', f);
		fputc(n > 2 ? abc[v & 63] : '=', f);
		if (n < 3)
			break;
	}
	n = ferror(in);
	fclose(in);
	return n ? -1 : 0;
}
