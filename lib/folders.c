#include "folders.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

static int make_folder(const char *path)
{
	return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

int make_folders(const char *path)
{
	char *copy = xstrdup(path);
	int failed = 0;
	for (char *p = copy + 1; *p && !failed; p++) {
		if (*p != '/' || p[-1] == '/')	/* "a//b" names "a" once */
			continue;
		*p = '\0';
		failed = make_folder(copy) < 0;
		*p = '/';
	}
	struct stat st;
	if (!failed)
		failed = make_folder(copy) < 0 || stat(copy, &st) < 0;
	if (!failed && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		failed = 1;
	}
	free(copy);
	return failed ? -1 : 0;
}

int make_parent_folders(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)	/* the current folder, or "/" */
		return 0;
	char *parent = xstrdup(path);
	parent[slash - path] = '\0';
	int status = make_folders(parent);
	free(parent);
	return status;
}
