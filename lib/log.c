#include "log.h"

#include "buf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECRETS 4

static const char *program = "tmdb";
static int verbosity;
static char *secrets[MAX_SECRETS];
static void (*before_message)(void);

void log_set_before_message(void (*hook)(void)) { before_message = hook; }

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');
	program = slash ? slash + 1 : progname;
}

const char *log_progname(void) { return program; }
void log_set_verbosity(int level) { verbosity = level; }
int log_verbosity(void) { return verbosity; }

void log_add_secret(const char *secret)
{
	if (!secret || !*secret)
		return;
	for (int i = 0; i < MAX_SECRETS; i++) {
		if (!secrets[i]) {
			secrets[i] = xstrdup(secret);	/* unregistered, it could be shown */
			return;
		}
	}
}

/* Copies text with every occurrence of needle replaced by "***". */
static char *replace_all(const char *text, const char *needle)
{
	size_t nlen = strlen(needle), count = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += nlen)
		count++;
	char *out = malloc(strlen(text) + count * 3 + 1);
	if (!out)
		return NULL;
	char *w = out;
	for (const char *p = text, *hit; ; p = hit + nlen) {
		hit = strstr(p, needle);
		size_t span = hit ? (size_t)(hit - p) : strlen(p);
		memcpy(w, p, span);
		w += span;
		if (!hit)
			break;
		memcpy(w, "***", 3);
		w += 3;
	}
	*w = '\0';
	return out;
}

/* Masks the value that follows each marker, up to a character in stop. */
static char *mask_after(const char *text, const char *marker, const char *stop)
{
	struct buf out = {0};
	size_t mlen = strlen(marker);
	buf_puts(&out, "");
	for (const char *p = text, *hit;; p = hit + mlen) {
		hit = strstr(p, marker);
		if (!hit) {
			buf_puts(&out, p);
			break;
		}
		buf_append(&out, p, (size_t)(hit - p));
		buf_puts(&out, marker);
		buf_puts(&out, "***");
		hit += strcspn(hit + mlen, stop);
	}
	return out.data;
}

char *mask_credentials(const char *text)
{
	char *step = mask_after(text, "api_key=", "& \r\n\"");
	char *masked = mask_after(step, "Bearer ", " \r\n\"");
	free(step);
	return masked;
}

/* Messages quote what came in (a line, an argument, a server's answer): control bytes
 * are written as escapes, so no input can drive the terminal or split the line. Returns
 * new memory, NULL when there is none. */
static char *escape_controls(const char *text)
{
	char *out = malloc(4 * strlen(text) + 1), *q = out;
	for (const unsigned char *p = (const unsigned char *)text; out && *p; p++) {
		if (*p == '\n')
			q += sprintf(q, "\\n");
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			q += sprintf(q, "\\x%02x", *p);
		else
			*q++ = (char)*p;
	}
	if (out)
		*q = '\0';
	return out;
}

static void emit(const char *fmt, va_list ap)
{
	char stack[1024], *message = stack;
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(stack, sizeof stack, fmt, ap);
	if (n >= (int)sizeof stack && (message = malloc((size_t)n + 1)))
		vsnprintf(message, (size_t)n + 1, fmt, copy);
	va_end(copy);
	if (!message)
		message = stack;
	char *clean = NULL;
	for (int i = 0; i < MAX_SECRETS && secrets[i]; i++) {
		char *next = replace_all(clean ? clean : message, secrets[i]);
		free(clean);
		clean = next;
		if (!clean)
			break;
	}
	/* Without memory to scrub a message that names a secret, print nothing of it. */
	const char *text = clean ? clean : (secrets[0] ? "(message dropped: out of memory)" : message);
	char *escaped = escape_controls(text);
	if (before_message)
		before_message();
	/* One call, so one write: stderr is unbuffered, and a line written byte by byte could
	 * interleave with another program's in the same pipeline. */
	fprintf(stderr, "%s: %s\n", program, escaped ? escaped : "(message dropped: out of memory)");
	free(escaped);
	free(clean);
	if (message != stack)
		free(message);
}

void log_verror(const char *fmt, va_list ap)
{
	emit(fmt, ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	if (verbosity < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void log_debug(int level, const char *fmt, ...)
{
	if (verbosity < level)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

_Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
	exit(status);
}
