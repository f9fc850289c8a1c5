#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes that stay as they are in a file name; the rest become %XX. '.' is escaped
 * so no query can end in ".404" and be mistaken for a recorded 404. */
static int keep_in_name(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == ',' || c == '=' || c == '&';
}

static void put_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (keep_in_name(c))
			buf_putc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

int record_file_name(struct buf *name, const char *dir, const char *path, const struct query *q,
		     long status)
{
	if (strstr(path, "..") || strstr(path, "//") || strchr(path, '%')) {
		errno = EINVAL;
		return -1;
	}
	struct query sorted = *q;
	query_sort(&sorted);
	buf_printf(name, "%s/%s/", dir, path + (path[0] == '/'));
	size_t written = 0;
	for (size_t i = 0; i < sorted.count; i++) {
		if (strcmp(sorted.params[i].name, "api_key") == 0)
			continue;
		if (written++)
			buf_putc(name, '&');
		put_escaped(name, sorted.params[i].name);
		buf_putc(name, '=');
		put_escaped(name, sorted.params[i].value);
	}
	if (written == 0)
		buf_puts(name, "index");
	if (status != 200)
		buf_printf(name, ".%ld", status);
	buf_puts(name, ".json");
	return 0;
}

/* mkdir -p for every folder above the file. */
static int make_parents(char *file)
{
	for (char *slash = strchr(file + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		int failed = mkdir(file, 0777) < 0 && errno != EEXIST;
		*slash = '/';
		if (failed)
			return -1;
	}
	return 0;
}

static int write_file_atomically(const char *file, const struct buf *body)
{
	struct buf temp = {0};
	buf_printf(&temp, "%s.tmp.%ld", file, (long)getpid());
	FILE *fp = fopen(temp.data, "w");
	int failed = !fp;
	if (fp) {
		failed = fwrite(body->data, 1, body->len, fp) != body->len;
		failed |= fclose(fp) != 0;
	}
	int saved = errno;
	if (!failed)
		failed = rename(temp.data, file) < 0;
	else
		unlink(temp.data);
	buf_free(&temp);
	errno = failed && saved ? saved : errno;
	return failed ? -1 : 0;
}

int record_save(const char *dir, const char *path, const struct query *q, long status,
		const struct buf *body)
{
	struct buf file = {0};
	int result = record_file_name(&file, dir, path, q, status);
	if (result == 0)
		result = make_parents(file.data);
	if (result == 0)
		result = write_file_atomically(file.data, body);
	buf_free(&file);
	return result;
}

static int read_file(const char *file, struct buf *body)
{
	FILE *fp = fopen(file, "r");
	if (!fp)
		return -1;
	char chunk[16384];
	size_t n;
	buf_clear(body);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_append(body, chunk, n);
	int failed = ferror(fp);
	fclose(fp);
	return failed ? -1 : 0;
}

int record_load(const char *dir, const char *path, const struct query *q, long *status,
		struct buf *body)
{
	static const long statuses[] = {200, 404};
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		struct buf file = {0};
		int result = record_file_name(&file, dir, path, q, statuses[i]);
		if (result == 0)
			result = read_file(file.data, body);
		buf_free(&file);
		if (result == 0) {
			*status = statuses[i];
			return 0;
		}
		if (errno != ENOENT)
			return -1;
	}
	return -1;
}
