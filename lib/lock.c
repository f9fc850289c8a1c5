/* flock(2) is BSD's, not POSIX's. */
#define _DEFAULT_SOURCE
#include "lock.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void lock_busy_message(struct buf *why, const char *dest, const char *holder)
{
	buf_printf(why, "%s: in use by %s; --wait to wait for it", dest,
		   holder ? holder : "another process");
}

int lock_flock(int fd, int operation)
{
	int rc;
	do
		rc = flock(fd, operation);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static int lock_exclusive(int fd, int wait)
{
	return lock_flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
}

/* Read and write, to name the holder; a file we may not write (another user's, a
 * read-only disk) still locks, read-only. -1 with the first errno when neither opens. */
static int open_lock_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd >= 0 || (errno != EACCES && errno != EROFS && errno != EPERM))
		return fd;
	int saved = errno;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		errno = saved;
	return fd;
}

/* TMDB_LOCK_FD=N: descriptor N when it is open on the lock file itself, else -1. Any
 * other file (a lock of the caller's own, a stray inherited variable) locks nothing of
 * this destination, so it is not taken for its lock. */
static int inherited_fd(const char *path)
{
	const char *text = getenv("TMDB_LOCK_FD");
	if (!text || !*text)
		return -1;
	char *end;
	errno = 0;
	long fd = strtol(text, &end, 10);
	struct stat held, wanted;
	if (errno || *end || fd < 0 || fd > INT_MAX || fstat((int)fd, &held) < 0) {
		log_debug(1, "TMDB_LOCK_FD=%s: not an open descriptor, ignored", text);
		return -1;
	}
	if (stat(path, &wanted) < 0 || held.st_dev != wanted.st_dev || held.st_ino != wanted.st_ino) {
		log_debug(1, "TMDB_LOCK_FD=%s: not a descriptor of %s, ignored", text, path);
		return -1;
	}
	return (int)fd;
}

/* "PROGRAM (pid N)" from the holder's line "N PROGRAM"; -1 when the line is missing
 * or odd (written by something else, or not yet). */
static int read_holder(const char *path, struct buf *holder)
{
	char line[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n = fd < 0 ? -1 : pread(fd, line, sizeof line - 1, 0);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	char *end;
	errno = 0;
	long pid = strtol(line, &end, 10);
	if (errno || end == line || pid <= 0 || *end != ' ')
		return -1;
	const char *name = end + 1;
	size_t len = strcspn(name, "\n");
	if (!len || name[len] != '\n')
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)name[i]))
			return -1;
	buf_printf(holder, "%.*s (pid %ld)", (int)len, name, pid);
	return 0;
}

/* The line that names us to a process that finds the lock held. Not being able to
 * write it (a full disk) costs only the name: that process says "another process". */
static void write_holder(int fd, const char *path)
{
	char line[128];
	int n = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), log_progname());
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n)
		log_debug(1, "%s: cannot name the holder: %s", path, strerror(errno));
}

/* Who holds the lock, for a message: "PROGRAM (pid N)", or "another process". */
static void describe_holder(const char *path, struct buf *holder)
{
	if (read_holder(path, holder) < 0) {
		buf_clear(holder);
		buf_puts(holder, "another process");
	}
}

/* Says who holds the lock, and waits for it. */
static int wait_for_holder(int fd, const char *path, const char *dest)
{
	struct buf holder = {0};
	describe_holder(path, &holder);
	log_warn("%s: in use by %s; waiting for it", dest, holder.data ? holder.data : "another process");
	buf_free(&holder);
	return lock_exclusive(fd, 1);
}

static int busy(const char *path, const char *dest, struct buf *why)
{
	struct buf holder = {0};
	describe_holder(path, &holder);
	lock_busy_message(why, dest, holder.data);
	buf_free(&holder);
	return EXIT_TEMPFAIL;
}

int lock_take(struct lock *lock, const char *path, const char *dest, int wait, struct buf *why)
{
	lock->fd = -1;
	int fd = inherited_fd(path);
	int ours = fd < 0;
	if (ours && (fd = open_lock_file(path)) < 0) {
		buf_printf(why, "%s: cannot open its lock file %s: %s", dest, path, strerror(errno));
		return EXIT_CANTCREAT;
	}
	int rc = lock_exclusive(fd, 0);
	if (rc < 0 && errno == EWOULDBLOCK && wait)
		rc = wait_for_holder(fd, path, dest);
	int status = 0;
	if (rc < 0 && errno == EWOULDBLOCK)
		status = busy(path, dest, why);
	else if (rc < 0) {
		buf_printf(why, "%s: cannot lock %s: %s", dest, path, strerror(errno));
		status = EXIT_IOERR;
	}
	if (status) {
		if (ours)
			close(fd);
		return status;
	}
	if (ours) {
		write_holder(fd, path);
		lock->fd = fd;
	}
	log_debug(1, "%s: locked (%s)", dest, ours ? path : "TMDB_LOCK_FD, the caller's lock");
	return 0;
}

void lock_release(struct lock *lock)
{
	if (lock->fd < 0)
		return;
	/* Still held here, so no newcomer's line is cleared; empty says nobody holds it. */
	if (ftruncate(lock->fd, 0) < 0)
		log_debug(1, "cannot clear the lock file: %s", strerror(errno));
	close(lock->fd);
	lock->fd = -1;
}
