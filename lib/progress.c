#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define REDRAW_SECONDS 0.25

static struct {
	bool enabled;
	bool drawn;
	const char *noun;
	double started;
	double last_draw;
} progress;

static void clear_line(void)
{
	if (progress.drawn) {
		fputs("\r\033[K", stderr);
		progress.drawn = false;
	}
}

void progress_start(enum progress_mode mode, const char *noun)
{
	progress.enabled = mode == PROGRESS_ON || (mode == PROGRESS_AUTO && isatty(STDERR_FILENO));
	progress.noun = noun;
	progress.started = monotonic_seconds();
	progress.last_draw = 0;
	if (progress.enabled)
		log_set_before_message(clear_line);	/* a warning gets a clean line */
}

void progress_show(const struct progress_counts *c)
{
	double now = monotonic_seconds();
	if (!progress.enabled || now - progress.last_draw < REDRAW_SECONDS)
		return;
	progress.last_draw = now;
	double elapsed = now - progress.started;
	char total[32] = "?", eta[32] = "", rate[32] = "";
	if (elapsed >= 0.5)	/* a rate over a blink of time means nothing */
		snprintf(rate, sizeof rate, ", %.1f req/s", c->requests / elapsed);
	if (c->input_done)
		snprintf(total, sizeof total, "%ld", c->total);
	if (c->input_done && c->done > 0 && c->done < c->total)
		snprintf(eta, sizeof eta, ", ETA %.0f s", elapsed / c->done * (c->total - c->done));
	fprintf(stderr, "\r\033[K%s: %s %ld/%s, %ld requests, %ld retries%s%s",
		log_progname(), progress.noun, c->done, total, c->requests, c->retries, rate, eta);
	fflush(stderr);
	progress.drawn = true;
}

void progress_end(void)
{
	if (!progress.enabled)
		return;
	clear_line();
	fflush(stderr);
	log_set_before_message(NULL);
}
