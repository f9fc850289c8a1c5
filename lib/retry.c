#include "retry.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void retry_policy_init(struct retry_policy *policy, int max_retries)
{
	const char *base = getenv("TMDB_RETRY_BASE_MS");
	char *end;
	long base_ms = base && *base ? strtol(base, &end, 10) : 1000;
	if (!base || !*base || *end || base_ms < 0)
		base_ms = 1000;
	*policy = (struct retry_policy){
		.max_retries = max_retries,
		.base_ms = base_ms,
		.ceiling_ms = 30000,
		.retry_after_cap_ms = 120000,
	};
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
}

bool retry_status_is_transient(long status)
{
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return true;
	default:
		return false;
	}
}

long retry_delay_ms(const struct retry_policy *policy, int retry, long retry_after_ms)
{
	long delay = policy->base_ms;
	for (int i = 1; i < retry && delay < policy->ceiling_ms; i++)
		delay *= 2;
	if (delay > policy->ceiling_ms)
		delay = policy->ceiling_ms;
	/* Jitter in [delay/2, delay] keeps many clients from retrying in lockstep. */
	if (delay > 1)
		delay = delay / 2 + rand() % (delay / 2 + 1);
	if (retry_after_ms > policy->retry_after_cap_ms)
		retry_after_ms = policy->retry_after_cap_ms;
	return delay > retry_after_ms ? delay : retry_after_ms;
}
