/* LOCK_EX and LOCK_UN, for flock(2), are BSD's, not POSIX's. */
#define _DEFAULT_SOURCE
#include "rate_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "regfile.h"
#include "token_bucket.h"
#include "xalloc.h"

/* Longer than any line we write: a longer file is garbled. */
#define MAX_LINE 128

struct rate_file {
	int fd;
	char *path;
};

/* The file's text, NUL-terminated, in line (MAX_LINE + 1 bytes); its length, or -1. */
static ssize_t read_line(int fd, char *line)
{
	ssize_t n = pread(fd, line, MAX_LINE, 0);
	if (n >= 0)
		line[n] = '\0';
	return n;
}

/* The bucket the line holds; -1 when it is not one we wrote. */
static int parse_bucket(const char *line, struct token_bucket *bucket)
{
	int end = -1;
	if (sscanf(line, "tokens=%lf refilled=%lf%n", &bucket->tokens, &bucket->refilled_at,
		   &end) != 2 || end < 0 || strcmp(line + end, "\n") != 0)
		return -1;
	return isfinite(bucket->tokens) && isfinite(bucket->refilled_at) ? 0 : -1;
}

/* The bucket as the file holds it; a new (empty) or garbled file is a full bucket. */
static int load_bucket(struct rate_file *file, double rate, double now,
		       struct token_bucket *bucket, struct buf *why)
{
	char line[MAX_LINE + 1];
	ssize_t n = read_line(file->fd, line);
	if (n < 0) {
		buf_printf(why, "%s: cannot read: %s", file->path, strerror(errno));
		return EXIT_IOERR;
	}
	if (n > 0 && parse_bucket(line, bucket) == 0)
		return 0;
	if (n > 0)
		log_debug(1, "%s: not a rate bucket; starting a new one", file->path);
	token_bucket_fill(bucket, rate, now);
	return 0;
}

/* Rewrites the file in place: the line first, then any longer old text cut off. */
static int store_bucket(struct rate_file *file, const struct token_bucket *bucket,
			struct buf *why)
{
	char line[MAX_LINE + 1];
	int n = snprintf(line, sizeof line, "tokens=%.6f refilled=%.6f\n", bucket->tokens,
			 bucket->refilled_at);
	if (n < 0 || n > MAX_LINE) {
		buf_printf(why, "%s: bucket numbers out of range", file->path);
		return EXIT_SOFTWARE;
	}
	errno = 0;
	if (pwrite(file->fd, line, (size_t)n, 0) != n || ftruncate(file->fd, n) < 0) {
		buf_printf(why, "%s: cannot write: %s", file->path,
			   errno ? strerror(errno) : "short write");
		return EXIT_IOERR;
	}
	return 0;
}

int rate_file_take(struct rate_file *file, double rate, double now, double *wait, struct buf *why)
{
	if (lock_flock(file->fd, LOCK_EX) < 0) {
		buf_printf(why, "%s: cannot lock: %s", file->path, strerror(errno));
		return EXIT_IOERR;
	}
	struct token_bucket bucket;
	int status = load_bucket(file, rate, now, &bucket, why);
	if (!status) {
		*wait = token_bucket_take(&bucket, rate, now);
		status = store_bucket(file, &bucket, why);
	}
	if (lock_flock(file->fd, LOCK_UN) < 0 && !status) {
		buf_printf(why, "%s: cannot unlock: %s", file->path, strerror(errno));
		status = EXIT_IOERR;
	}
	return status;
}

/* Locks the file once and reads it, so that a file we could never use fails the run
 * before any request goes out. */
static int check_usable(const struct rate_file *file, struct buf *why)
{
	char line[MAX_LINE + 1];
	if (lock_flock(file->fd, LOCK_EX) < 0) {
		buf_printf(why, "%s: cannot lock the rate file: %s", file->path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	int status = 0;
	if (read_line(file->fd, line) < 0) {
		buf_printf(why, "%s: cannot read the rate file: %s", file->path, strerror(errno));
		status = EXIT_IOERR;
	}
	lock_flock(file->fd, LOCK_UN);
	return status;
}

int rate_file_open(struct rate_file **file, const char *path, struct buf *why)
{
	*file = NULL;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		buf_printf(why, "%s: cannot open the rate file: %s", path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	struct stat st;
	const char *unusable = fstat(fd, &st) < 0 ? strerror(errno) :
			       !S_ISREG(st.st_mode) ? regfile_kind(st.st_mode) : NULL;
	if (unusable) {
		buf_printf(why, "%s: cannot use as the rate file: %s", path, unusable);
		close(fd);
		return EXIT_CANTCREAT;
	}
	struct rate_file *opened = xcalloc(1, sizeof *opened);
	opened->fd = fd;
	opened->path = xstrdup(path);
	int status = check_usable(opened, why);
	if (status) {
		rate_file_close(opened);
		return status;
	}
	*file = opened;
	return 0;
}

void rate_file_close(struct rate_file *file)
{
	if (!file)
		return;
	close(file->fd);
	free(file->path);
	free(file);
}
