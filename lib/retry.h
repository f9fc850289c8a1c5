/* When to try a request again, and how long to wait first. */
#ifndef TMDB_RETRY_H
#define TMDB_RETRY_H

#include <stdbool.h>

struct retry_policy {
	int max_retries;	/* retries after the first attempt */
	long base_ms;		/* first backoff; TMDB_RETRY_BASE_MS overrides (tests use 0) */
	long ceiling_ms;	/* longest backoff between two attempts */
	long retry_after_cap_ms;	/* longest Retry-After honoured */
};

void retry_policy_init(struct retry_policy *policy, int max_retries);

/* 408, 429 and the 5xx codes a proxy or an overloaded server answers are transient. */
bool retry_status_is_transient(long status);

/* Delay before retry number `retry` (1 for the first retry): exponential backoff
 * with jitter, never shorter than what the server asked with Retry-After. */
long retry_delay_ms(const struct retry_policy *policy, int retry, long retry_after_ms);

#endif
