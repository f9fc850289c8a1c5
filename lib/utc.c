#include "utc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void utc_format(time_t when, char text[UTC_TEXT_SIZE])
{
	struct tm utc;
	if (!gmtime_r(&when, &utc) || utc.tm_year < -1900 || utc.tm_year > 9999 - 1900 ||
	    !strftime(text, UTC_TEXT_SIZE, "%Y-%m-%dT%H:%M:%SZ", &utc))
		snprintf(text, UTC_TEXT_SIZE, "1970-01-01T00:00:00Z");
}

/* Days from 1970-01-01 to the date (proleptic Gregorian): timegm is not POSIX. */
static long long days_from_civil(long long year, int month, int day)
{
	year -= month <= 2;
	long long era = (year >= 0 ? year : year - 399) / 400;
	long long year_of_era = year - era * 400;
	long long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	long long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
}

static int parse_epoch(const char *digits, time_t *when)
{
	char *end;
	errno = 0;
	long long seconds = strtoll(digits, &end, 10);
	if (*digits < '0' || *digits > '9' || *end || errno || (long long)(time_t)seconds != seconds)
		return -1;
	*when = (time_t)seconds;
	return 0;
}

int utc_parse(const char *text, time_t *when)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (text[0] == '@')
		return parse_epoch(text + 1, when);
	if (strlen(text) != sizeof shape - 1)
		return -1;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i])
			return -1;
	int year = atoi(text), month = atoi(text + 5), day = atoi(text + 8);
	int hour = atoi(text + 11), minute = atoi(text + 14), second = atoi(text + 17);
	if (year < 1970 || month < 1 || month > 12)
		return -1;
	time_t parsed = (time_t)(days_from_civil(year, month, day) * 86400 + hour * 3600 +
				 minute * 60 + second);
	/* A day, hour or second out of range comes back as another text: refused. */
	char again[UTC_TEXT_SIZE];
	utc_format(parsed, again);
	if (strcmp(again, text) != 0)
		return -1;
	*when = parsed;
	return 0;
}
