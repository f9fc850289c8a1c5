/* Times as the toolkit writes them: UTC to the second, "YYYY-MM-DDTHH:MM:SSZ" (when a
 * request was answered, when a row was deleted). Fixed width, so text order is time order. */
#ifndef TMDB_UTC_H
#define TMDB_UTC_H

#include <time.h>

/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define UTC_TEXT_SIZE 21

/* Writes when as "YYYY-MM-DDTHH:MM:SSZ"; a time outside years 0000-9999 as the epoch. */
void utc_format(time_t when, char text[UTC_TEXT_SIZE]);

/* Reads "YYYY-MM-DDTHH:MM:SSZ" (a real date and time of day, 1970 or later) or "@SECONDS"
 * since the epoch; returns 0, or -1 on anything else. */
int utc_parse(const char *text, time_t *when);

#endif
