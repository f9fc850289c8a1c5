/* The rate limit's arithmetic: a token bucket that refills at `rate` tokens a second and
 * holds one second's worth (at least one token), so a burst never exceeds that. Kept in
 * memory by one process (lib/http.c) or in a file that several share (lib/rate_file.c). */
#ifndef TMDB_TOKEN_BUCKET_H
#define TMDB_TOKEN_BUCKET_H

struct token_bucket {
	double tokens;
	double refilled_at;	/* seconds on the clock of everyone who takes from it */
};

/* A full bucket at now: the first second's worth may go at once. */
void token_bucket_fill(struct token_bucket *bucket, double rate, double now);

/* With rate above 0: refills the bucket for the time since it was last refilled, then takes a token if
 * there is one. Returns 0 when it took one, else the seconds until one will be there.
 * Whatever the bucket held, it is brought within bounds first: a refill time after now
 * (a clock that restarted, a file written before a reboot) refills nothing and is moved
 * to now, and the tokens stay within 0 and one second's worth, so no stored value can
 * block for longer than a token takes or let a burst exceed the bucket. */
double token_bucket_take(struct token_bucket *bucket, double rate, double now);

#endif
