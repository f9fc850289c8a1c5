#include "token_bucket.h"

static double bucket_size(double rate)
{
	return rate > 1 ? rate : 1;
}

void token_bucket_fill(struct token_bucket *bucket, double rate, double now)
{
	bucket->tokens = bucket_size(rate);
	bucket->refilled_at = now;
}

static void refill(struct token_bucket *bucket, double rate, double now)
{
	double elapsed = now - bucket->refilled_at;
	if (!(elapsed > 0))	/* also NaN: time from the future refills nothing */
		elapsed = 0;
	double tokens = bucket->tokens + elapsed * rate;
	if (!(tokens > 0))
		tokens = 0;
	if (tokens > bucket_size(rate))
		tokens = bucket_size(rate);
	bucket->tokens = tokens;
	bucket->refilled_at = now;
}

double token_bucket_take(struct token_bucket *bucket, double rate, double now)
{
	refill(bucket, rate, now);
	if (bucket->tokens >= 1) {
		bucket->tokens -= 1;
		return 0;
	}
	return (1 - bucket->tokens) / rate;
}
