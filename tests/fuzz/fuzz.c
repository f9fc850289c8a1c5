/* The harness support every fuzz target links: see fuzz.h and README.md. */
#define _XOPEN_SOURCE 700	/* nftw's FTW_PHYS */
#include "fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static jmp_buf *exit_to;
static int exit_status;

_Noreturn void fuzz_exit(int status)
{
	if (!exit_to)	/* the code under test gave up where the target expects it not to */
		fuzz_fail("exit %d", status);
	exit_status = status;
	longjmp(*exit_to, 1);
}

int fuzz_catch_exit(void (*call)(void *context), void *context)
{
	jmp_buf here;
	jmp_buf *volatile outer = exit_to;	/* nested calls restore the caller's */
	exit_to = &here;
	if (setjmp(here) == 0) {
		call(context);
		exit_to = outer;
		return 0;
	}
	exit_to = outer;
	return exit_status + 1;
}

static char scratch[64];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

void fuzz_empty_dir(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
	fuzz_empty_dir(scratch);
	rmdir(scratch);
}

const char *fuzz_scratch_dir(void)
{
	if (scratch[0])
		return scratch;
	const char *tmp = getenv("TMPDIR");
	snprintf(scratch, sizeof scratch, "%s/tmdb-fuzz.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(remove_scratch);
	return scratch;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", fuzz_scratch_dir(), name);
	FILE *fp = fopen(path, "w");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
		perror(path);
		abort();
	}
	return path;
}

void fuzz_quiet_stdout(void)
{
	int null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
		perror("fuzz: /dev/null");
		abort();
	}
	close(null);
}

FILE *fuzz_open_bytes(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	if (!fp) {
		perror("fuzz: fmemopen");
		abort();
	}
	return fp;
}
