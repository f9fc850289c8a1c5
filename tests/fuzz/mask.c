/* The credential masking of logged URLs and headers (lib/log.c mask_credentials):
 * after it, every api_key= and every "Bearer " is followed by *** and then the end or
 * a character that ends a credential; masking again changes nothing; and the text
 * outside the credentials is kept. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"

static void check_masked(const char *masked, const char *marker, const char *stop)
{
	size_t mlen = strlen(marker);
	for (const char *p = masked; (p = strstr(p, marker)); p += mlen) {
		const char *value = p + mlen;
		if (strncmp(value, "***", 3) != 0 || (value[3] && !strchr(stop, value[3])))
			fuzz_fail("%s not masked: %.80s", marker, p);
	}
}

/* Masking only replaces spans with ***: the pieces between the ***s of the result
 * appear in the input in order. */
static void check_only_replaced(const char *text, const char *masked)
{
	const char *from = text;
	for (const char *piece = masked;;) {
		const char *stars = strstr(piece, "***");
		size_t n = stars ? (size_t)(stars - piece) : strlen(piece);
		char *wanted = strndup(piece, n);
		const char *found = wanted ? strstr(from, wanted) : NULL;
		if (!found)
			fuzz_fail("masking added text: %.80s", masked);
		from = found + n;
		free(wanted);
		if (!stars)
			break;
		piece = stars + 3;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	if (!text)
		return 0;
	char *masked = mask_credentials(text);
	check_masked(masked, "api_key=", "& \r\n\"");
	check_masked(masked, "Bearer ", " \r\n\"");
	char *twice = mask_credentials(masked);
	if (strcmp(twice, masked) != 0)
		fuzz_fail("masking twice changes the text: %.80s", masked);
	/* Text with no marker at all comes through whole. */
	if (!strstr(text, "api_key=") && !strstr(text, "Bearer ") && strcmp(text, masked) != 0)
		fuzz_fail("text without a credential changed");
	check_only_replaced(text, masked);
	free(twice);
	free(masked);
	free(text);
	return 0;
}
