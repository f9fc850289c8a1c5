/* A one-line progress display on standard error, for people at a terminal only. */
#ifndef TMDB_PROGRESS_H
#define TMDB_PROGRESS_H

#include <stdbool.h>

struct progress_counts {
	long done;		/* items finished */
	long total;		/* items known so far; final once input_done */
	bool input_done;
	long requests;
	long retries;
};

enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

/* AUTO draws only when standard error is a terminal. */
void progress_start(enum progress_mode mode, const char *noun);
/* Redraws at most a few times a second. */
void progress_show(const struct progress_counts *counts);
/* Clears the line, so the terminal is left as it was. */
void progress_end(void);

#endif
