#include "regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Closes fd and returns -1 with errno as the failure that made us give it up. */
static int give_up(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int regfile_open(const char *path, struct stat *st)
{
	/* O_NONBLOCK: opening a FIFO to read would wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		return give_up(fd);
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -2;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return give_up(fd);
	return fd;
}

const char *regfile_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a file";
}
