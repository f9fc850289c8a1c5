/* The replay folder reader (lib/record.c record_load), its writer record_save and the
 * file name both go by (record_file_name), with the request's path and query made of the
 * input: NUL-separated fields, the path first, then name and value pairs; a newline starts
 * a second request.
 *
 * - Loading the first request from a recorded folder can open nothing outside it (the
 *   file of each status record_load tries is checked, lexically and with the symbolic
 *   links resolved), never returns the body of a file beside the folder, and returns the
 *   body of the file named for the status it says.
 * - Saving the first request into an empty folder writes inside it, and loading the
 *   second finds the recording only when both are the same request: the same path (up to
 *   empty and "." segments, which URLs also ignore) and the same parameters, api_key
 *   aside. The first request loads back as saved. */
#define _XOPEN_SOURCE 700	/* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "query.h"
#include "record.h"

#include "fuzz.h"

/* What record_load tries, in order. */
static const long statuses[] = {200, 404};

static char recorded[PATH_MAX];	/* the folder recorded in Initialize */
static char saved[PATH_MAX];	/* emptied for each input */

/* The real path of path's deepest existing ancestor, path itself when it exists. */
static void resolve_existing(const char *path, char *resolved)
{
	char *copy = strdup(path);
	if (!copy)
		fuzz_fail("out of memory");
	while (!realpath(copy, resolved)) {
		char *slash = strrchr(copy, '/');
		if (!slash || slash == copy)
			fuzz_fail("%s: nothing of it exists", path);
		*slash = '\0';
	}
	free(copy);
}

/* Fails the run unless file lies inside root, lexically and with links resolved. */
static void check_inside(const char *file, const char *root)
{
	size_t n = strlen(root);
	if (strncmp(file, root, n) != 0 || file[n] != '/')
		fuzz_fail("names %s, outside %s", file, root);
	for (const char *p = file + n; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			fuzz_fail("names %s, which goes up", file);
	char real_root[PATH_MAX], real[PATH_MAX];
	resolve_existing(root, real_root);
	resolve_existing(file, real);
	n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 || (real[n] != '/' && real[n] != '\0'))
		fuzz_fail("names %s, which is %s, outside %s", file, real, real_root);
}

struct request {
	char *path;
	struct query q;
};

/* The file of request r's answer with this status in dir, checked to lie inside dir;
 * NULL when there is none (the request could leave dir). */
static char *checked_file_name(const char *dir, const struct request *r, long status)
{
	struct buf file = {0};
	if (record_file_name(&file, dir, r->path, &r->q, status) < 0) {
		if (errno != EINVAL)
			fuzz_fail("no file name for %s: %s", r->path, strerror(errno));
		buf_free(&file);
		return NULL;
	}
	check_inside(file.data, dir);
	return file.data;
}

/* Fails the run unless file holds exactly body. */
static void check_holds(const char *file, const struct buf *body)
{
	if (!file)
		fuzz_fail("loaded \"%.20s\" from no file", body->data);
	FILE *fp = fopen(file, "r");
	char text[256];
	size_t n = fp ? fread(text, 1, sizeof text, fp) : 0;
	if (fp)
		fclose(fp);
	if (!fp || n != body->len || memcmp(text, body->data, n) != 0)
		fuzz_fail("loaded \"%.20s\", which %s does not hold", body->data, file);
}

/* Fields separated by NUL bytes in text[0..len): path, then name, value pairs. */
static void parse_request(struct request *r, char *text, size_t len)
{
	char *end = text + len, *field = text;
	*r = (struct request){0};
	r->path = field;
	field += strlen(field) + 1;
	while (field < end) {
		char *name = field;
		field += strlen(field) + 1;
		const char *value = field < end ? field : "";
		field += strlen(value) + 1;
		query_set(&r->q, name, value);
	}
}

/* The path as a URL means it: empty and "." segments dropped. */
static void canonical_path(const char *path, struct buf *out)
{
	buf_clear(out);
	buf_puts(out, "");
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n && !(n == 1 && *p == '.')) {
			buf_putc(out, '/');
			buf_append(out, p, n);
		}
		p += n + (p[n] == '/');
	}
}

static int same_request(const struct request *a, const struct request *b)
{
	struct buf x = {0}, y = {0};
	canonical_path(a->path, &x);
	canonical_path(b->path, &y);
	int same = strcmp(x.data, y.data) == 0;
	buf_free(&x);
	buf_free(&y);
	for (size_t i = 0; same && i < a->q.count; i++) {
		const char *name = a->q.params[i].name, *value = query_get(&b->q, name);
		same = strcmp(name, "api_key") == 0 || (value && strcmp(value, a->q.params[i].value) == 0);
	}
	for (size_t i = 0; same && i < b->q.count; i++)
		same = strcmp(b->q.params[i].name, "api_key") == 0 || query_get(&a->q, b->q.params[i].name);
	return same;
}

/* Writes body to the scratch folder's file, with the folders above it. */
static void record(const char *file, const char *body)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", fuzz_scratch_dir(), file);
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			fuzz_fail("cannot make %s", path);
		*slash = '/';
	}
	FILE *fp = fopen(path, "w");
	if (!fp || fputs(body, fp) < 0 || fclose(fp) != 0)
		fuzz_fail("cannot write %s", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *scratch = fuzz_scratch_dir();
	snprintf(recorded, sizeof recorded, "%s/recorded", scratch);
	snprintf(saved, sizeof saved, "%s/saved", scratch);
	record("recorded/movie/550/append_to_response=credits,reviews&language=en-US.json",
	       "INSIDE {\"id\": 550}");
	record("recorded/movie/550/index.json", "INSIDE {\"id\": 550}");
	record("recorded/movie/1/language=en-US.404.json", "INSIDE {\"status_code\": 34}");
	record("recorded/person/525/movie_credits/language=en-US.json", "INSIDE {\"id\": 525}");
	record("recorded/search/person/include_adult=false&language=en-US&page=1&"
	       "query=Christopher%20Nolan.json", "INSIDE {\"page\": 1}");
	record("recorded/index.json", "INSIDE {}");
	/* Beside the folder, where a request that climbs out would land. */
	record("index.json", "OUTSIDE");
	record("movie/550/index.json", "OUTSIDE");
	record("saved.json", "OUTSIDE");
	record("recorded.json", "OUTSIDE");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *newline = memchr(text, '\n', size);
	size_t first_len = newline ? (size_t)(newline - text) : size;
	if (newline)
		*newline = '\0';
	struct request a, b;
	parse_request(&a, text, first_len);
	if (newline)
		parse_request(&b, newline + 1, size - first_len - 1);
	else
		b = a;

	struct buf body = {0};
	long status = 0;
	char *files[2];
	for (size_t i = 0; i < 2; i++)
		files[i] = checked_file_name(recorded, &a, statuses[i]);
	if (record_load(recorded, a.path, &a.q, &status, &body) == 0) {
		if (strncmp(body.data ? body.data : "", "INSIDE", 6) != 0 || (status != 200 && status != 404))
			fuzz_fail("loaded HTTP %ld, \"%.20s\" for %s", status, body.data ? body.data : "",
				  a.path);
		check_holds(files[status == 404], &body);
	}
	free(files[0]);
	free(files[1]);

	fuzz_empty_dir(saved);
	struct buf sent = {0};
	buf_puts(&sent, "SAVED");
	char *file = checked_file_name(saved, &a, 200);
	if (record_save(saved, a.path, &a.q, 200, &sent) == 0) {
		if (!file)
			fuzz_fail("%s saved with no file name", a.path);
		check_holds(file, &sent);
		if (record_load(saved, a.path, &a.q, &status, &body) < 0 || status != 200 ||
		    strcmp(body.data ? body.data : "", "SAVED") != 0)
			fuzz_fail("%s does not load back as saved", a.path);
		if (record_load(saved, b.path, &b.q, &status, &body) == 0 && !same_request(&a, &b))
			fuzz_fail("two requests share one recording: %s and %s", a.path, b.path);
	}
	free(file);
	buf_free(&sent);
	buf_free(&body);
	free(text);
	return 0;
}
