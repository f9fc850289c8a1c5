/* tmdb-fetch: read TMDB API objects and write them as JSON Lines. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "buf.h"
#include "cli.h"
#include "cred.h"
#include "exchange.h"
#include "ids.h"
#include "idset.h"
#include "jsonl.h"
#include "log.h"
#include "progress.h"
#include "rate_file.h"
#include "state.h"
#include "sync.h"
#include "tmdb.h"
#include "utc.h"

#define DEFAULT_BASE_URL "https://api.themoviedb.org/3"

static const char usage_text[] =
	"usage: tmdb-fetch [options] person [ID...]     /person/ID/movie_credits\n"
	"       tmdb-fetch [options] movie [ID...]      /movie/ID with credits and every review page\n"
	"       tmdb-fetch [options] search [NAME...]   /search/person, one line per person found\n"
	"       tmdb-fetch [options] get PATH [K=V...]  any GET, the response on one line\n"
	"\n"
	"With no ID (or -), IDs are read from standard input: one number or one JSON\n"
	"object with an \"id\" per line. Repeated IDs are fetched once; output keeps input order.\n"
	"\n"
	"options:\n"
	"  -c, --config FILE     credentials from FILE: {\"api_key\": \"...\"} or {\"access_token\": \"...\"}\n"
	"      --base-url URL    API root (default $TMDB_BASE_URL or " DEFAULT_BASE_URL ")\n"
	"      --language LANG   language of the responses (default en-US)\n"
	"  -j, --jobs N          requests in flight at once (default 8)\n"
	"      --rate R          requests started per second at most, 0 for no limit (default 40)\n"
	"      --rate-file FILE  share --rate with every tmdb-fetch naming FILE (created 0600)\n"
	"      --retries N       retries of a transient failure (default 3)\n"
	"      --timeout SECONDS bound on one request (default 30)\n"
	"      --strict          a 404 fails the run (exit 65) instead of a warning\n"
	"      --record DIR      save every response under DIR\n"
	"      --replay DIR      answer every request from DIR, with no network and no credentials\n"
	"      --state FILE      the last sync's state: print only movies changed since\n"
	"      --state-out FILE  write the state for the next sync (atomically, on success)\n"
	"      --fresh-since TIME  with --state: a movie the state says was fetched at or after\n"
	"                        TIME (YYYY-MM-DDTHH:MM:SSZ in UTC, or @SECONDS) is not asked\n"
	"                        again, as when resuming a run that started at TIME\n"
	"      --etags           movies carry their requests' ETags and times (\"_sync\"), as in a\n"
	"                        sync: the destination keeps them, and tmdb-load --print-state\n"
	"                        gives them back for --state and --fresh-since\n"
	"      --summary         end with one line on stderr: fetched, unchanged (with --fresh-since:\n"
	"                        how many of them fresh, not asked), not found, requests\n"
	"      --progress        draw a progress line on stderr even when it is not a terminal\n"
	"      --no-progress     never draw it (by default it is drawn on a terminal only)\n"
	CLI_COMMON_USAGE
	"-v logs each request, -vvv the headers too; credentials show as ***\n"
	"\n"
	"environment: TMDB_API_KEY (v3 key), TMDB_ACCESS_TOKEN (v4 token), TMDB_BASE_URL,\n"
	"TMDB_RETRY_BASE_MS (first backoff, default 1000)\n"
	"exit: 0 ok, 64 usage, 65 bad input, or 404 with --strict or for get, 66 no input or\n"
	"not recorded, 69 API unavailable, 73 cannot record or use the rate file, 74 I/O error,\n"
	"77 credentials refused, 78 no credentials or bad config\n";

struct settings {
	const char *config_path;
	const char *base_url;
	const char *language;
	const char *record_dir;
	const char *replay_dir;
	const char *state_in;
	const char *state_out;
	const char *fresh_since_text;	/* --fresh-since as given, or NULL */
	time_t fresh_since;
	int summary;
	int etags;		/* --etags: movies carry their ETags as in a sync */
	enum progress_mode progress;
	long retries;
	long timeout_s;
	long jobs;
	double rate;
	const char *rate_file;
	int strict;
};

typedef void fetch_fn(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* One input ID on its way: fetched concurrently, printed in input order. */
struct slot {
	long long id;
	bool done;
	struct exchange_result result;	/* its json and message the slot's */
};

/* The run: what it fetches, the window of IDs in flight, and what decides its exit. */
struct run {
	struct tmdb api;
	struct idset seen;
	const char *kind;
	fetch_fn *fetch;
	struct slot *window;	/* a ring: memory is bounded by it, not by the input */
	size_t head, count, capacity;
	long submitted;		/* distinct IDs so far: the progress line's total */
	bool input_done;
	int fetched;
	int unchanged;		/* fresh ones included */
	int fresh;
	int not_found;
	int strict;
	enum progress_mode progress;
	struct sync sync;	/* what tmdb-director --sync declared; marks go out once it did */
};

static long parse_count(const char *text, const char *option, long max)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < 0 || value > max) {
		cli_usage_error(usage_text, "%s: '%s' is not a number from 0 to %ld", option, text, max);
	}
	return value;
}

static int parse_options(int argc, char **argv, struct settings *s)
{
	enum { OPT_BASE_URL = 256, OPT_LANGUAGE, OPT_RETRIES, OPT_TIMEOUT, OPT_STRICT,
	       OPT_RECORD, OPT_REPLAY, OPT_STATE, OPT_STATE_OUT, OPT_SUMMARY, OPT_RATE,
	       OPT_PROGRESS, OPT_NO_PROGRESS, OPT_RATE_FILE, OPT_FRESH_SINCE, OPT_ETAGS };
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"base-url", required_argument, NULL, OPT_BASE_URL},
		{"language", required_argument, NULL, OPT_LANGUAGE},
		{"retries", required_argument, NULL, OPT_RETRIES},
		{"jobs", required_argument, NULL, 'j'},
		{"rate", required_argument, NULL, OPT_RATE},
		{"rate-file", required_argument, NULL, OPT_RATE_FILE},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"record", required_argument, NULL, OPT_RECORD},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"state", required_argument, NULL, OPT_STATE},
		{"state-out", required_argument, NULL, OPT_STATE_OUT},
		{"fresh-since", required_argument, NULL, OPT_FRESH_SINCE},
		{"etags", no_argument, NULL, OPT_ETAGS},
		{"summary", no_argument, NULL, OPT_SUMMARY},
		{"progress", no_argument, NULL, OPT_PROGRESS},
		{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
		CLI_COMMON_OPTIONS,
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:j:" CLI_COMMON_SHORT, options, NULL)) != -1) {
		if (cli_common_option(c, usage_text))
			continue;
		switch (c) {
		case 'c': s->config_path = optarg; break;
		case OPT_BASE_URL: s->base_url = optarg; break;
		case OPT_LANGUAGE: s->language = optarg; break;
		case OPT_RETRIES: s->retries = parse_count(optarg, "--retries", 100); break;
		case 'j': s->jobs = parse_count(optarg, "--jobs", 64); break;
		case OPT_RATE: s->rate = (double)parse_count(optarg, "--rate", 10000); break;
		case OPT_RATE_FILE: s->rate_file = optarg; break;
		case OPT_TIMEOUT: s->timeout_s = parse_count(optarg, "--timeout", 86400); break;
		case OPT_STRICT: s->strict = 1; break;
		case OPT_RECORD: s->record_dir = optarg; break;
		case OPT_REPLAY: s->replay_dir = optarg; break;
		case OPT_STATE: s->state_in = optarg; break;
		case OPT_STATE_OUT: s->state_out = optarg; break;
		case OPT_FRESH_SINCE: s->fresh_since_text = optarg; break;
		case OPT_ETAGS: s->etags = 1; break;
		case OPT_SUMMARY: s->summary = 1; break;
		case OPT_PROGRESS: s->progress = PROGRESS_ON; break;
		case OPT_NO_PROGRESS: s->progress = PROGRESS_OFF; break;
		}
	}
	if (s->jobs == 0)
		cli_usage_error(usage_text, "--jobs: at least one request must be able to run");
	if (s->timeout_s == 0)
		cli_usage_error(usage_text, "--timeout: the bound must be at least 1 second");
	if (s->rate_file && s->rate == 0)
		cli_usage_error(usage_text, "--rate-file: shares a limit, so --rate must be above 0");
	if (s->record_dir && s->replay_dir)
		cli_usage_error(usage_text, "choose one of --record and --replay");
	if (s->fresh_since_text && utc_parse(s->fresh_since_text, &s->fresh_since) < 0)
		cli_usage_error(usage_text, "--fresh-since: '%s' is not a time "
				"(YYYY-MM-DDTHH:MM:SSZ in UTC, or @SECONDS)", s->fresh_since_text);
	if (s->fresh_since_text && !s->state_in)
		cli_usage_error(usage_text, "--fresh-since '%s': needs --state, which says when each "
				"movie was fetched", s->fresh_since_text);
	return optind;
}

/* Reports a failed fetch of `what` and ends the run when it must. */
static void report_failure(struct run *run, const char *what, const struct exchange_result *r)
{
	const char *message = r->message.data ? r->message.data : "";
	switch (r->outcome) {
	case EXCHANGE_NOT_FOUND:
		log_warn("%s: not found (%s)", what, message);
		run->not_found++;
		return;
	case EXCHANGE_DENIED:
		die(EXIT_NOPERM, "%s: TMDB refused the credentials: %s", what, message);
	case EXCHANGE_NOT_RECORDED:
		die(EXIT_NOINPUT, "%s: %s", what, message);
	default:
		die(EXIT_UNAVAILABLE, "%s: %s", what, message);
	}
}

static void slot_done(struct exchange_result *result, void *context)
{
	struct slot *slot = context;
	slot->result = *result;
	/* valid during the call only */
	slot->result.request = slot->result.etag = slot->result.fetched_at = NULL;
	result->json = NULL;	/* the slot keeps them until its turn to print */
	result->message = (struct buf){0};
	slot->done = true;
}

static bool syncing(const struct run *run)
{
	return run->sync.count > 0;
}

static void print_mark(json_t *mark)
{
	jsonl_print(mark);
	json_decref(mark);
}

/* In a sync every movie asked for leaves a line: the movie with its memberships, or a
 * mark that it did not change or is gone (TMDB answered 404), so the destination keeps
 * who holds what. */
static void print_outcome(struct run *run, struct slot *slot)
{
	const struct exchange_result *r = &slot->result;
	if (r->outcome == EXCHANGE_OK && syncing(run))
		sync_mark_movie(&run->sync, r->json, slot->id);
	if (r->outcome == EXCHANGE_OK)
		jsonl_print(r->json);
	else if ((r->outcome == EXCHANGE_NOT_MODIFIED || r->outcome == EXCHANGE_FRESH) &&
		 syncing(run))
		print_mark(sync_mark(sync_members_of(&run->sync, slot->id), slot->id, "unchanged"));
	else if (r->outcome == EXCHANGE_NOT_FOUND && syncing(run) && !run->strict)
		print_mark(sync_mark(sync_members_of(&run->sync, slot->id), slot->id, "deleted"));
}

/* Prints the finished IDs at the front of the window, in input order. */
static void print_finished(struct run *run)
{
	while (run->count && run->window[run->head].done) {
		struct slot *slot = &run->window[run->head];
		char what[64];
		snprintf(what, sizeof what, "%s %lld", run->kind, slot->id);
		if (slot->result.outcome == EXCHANGE_OK) {
			print_outcome(run, slot);
			run->fetched++;
		} else if (slot->result.outcome == EXCHANGE_NOT_MODIFIED) {
			log_debug(1, "%s: unchanged since the last sync", what);
			print_outcome(run, slot);
			run->unchanged++;
		} else if (slot->result.outcome == EXCHANGE_FRESH) {
			log_debug(1, "%s: fetched since --fresh-since, not asked", what);
			print_outcome(run, slot);
			run->unchanged++;
			run->fresh++;
		} else {
			report_failure(run, what, &slot->result);
			print_outcome(run, slot);
		}
		json_decref(slot->result.json);
		buf_free(&slot->result.message);
		run->head = (run->head + 1) % run->capacity;
		run->count--;
	}
}

/* The event pump: moves the requests on, prints what finished, redraws the progress line. */
static void pump_events(struct run *run)
{
	exchange_run(run->api.exchange);
	print_finished(run);
	progress_show(&(struct progress_counts){
		.done = run->fetched + run->unchanged + run->not_found,
		.total = run->submitted,
		.input_done = run->input_done,
		.requests = exchange_request_count(run->api.exchange),
		.retries = exchange_retry_count(run->api.exchange),
	});
}

static void fetch_and_print(struct run *run, long long id)
{
	if (!idset_add(&run->seen, id))
		return;
	while (run->count == run->capacity)
		pump_events(run);
	run->submitted++;
	struct slot *slot = &run->window[(run->head + run->count++) % run->capacity];
	*slot = (struct slot){.id = id};
	run->fetch(&run->api, id, slot_done, slot);
}

static void finish_window(struct run *run)
{
	while (run->count)
		pump_events(run);
}

/* A line of tmdb-director --sync that declares a (person, job)'s whole set. Movies
 * already asked for were asked before any declaration: they stay unmarked. */
static bool declare_line(struct run *run, const struct line_reader *reader, const struct jdoc *doc,
			 const char *line, size_t len)
{
	const struct jdoc_node *declared = jdoc_get(doc, jdoc_root(doc), "_sync");
	if (strcmp(run->kind, "movie") || !declared || declared->type != JDOC_OBJECT)
		return false;
	json_t *object = json_loadb(line, len, 0, NULL);	/* judged already: JSON, no key twice */
	if (!object)
		die(EXIT_SOFTWARE, "out of memory");
	struct buf why = {0};
	if (sync_take_declaration(&run->sync, object, &why) < 0) {
		finish_window(run);
		die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why.data);
	}
	run->api.sync = true;
	json_decref(object);
	return true;
}

static void refuse_line(struct run *run, const struct line_reader *reader, const char *why)
{
	finish_window(run);	/* what came before the bad line still goes out */
	die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why);
}

/* A number, or an object judged as every program judges a JSON line (jsonl_judge_line). */
static void fetch_id_line(struct line_reader *reader, char *line, size_t len, void *context)
{
	static struct jdoc doc;
	struct run *run = context;
	long long id;
	static struct buf why;
	buf_clear(&why);
	switch (ids_read_line(line, len, run->kind, &doc, &id, &why)) {
	case IDS_NUMBER:
		break;
	case IDS_OBJECT:
		if (declare_line(run, reader, &doc, line, len))
			return;
		if (!id)
			refuse_line(run, reader, why.data);
		break;
	case IDS_REFUSED:
		refuse_line(run, reader, why.data);
	}
	fetch_and_print(run, id);
}

static void fetch_ids(struct run *run, const char *kind, fetch_fn *fetch, int argc, char **argv)
{
	run->kind = kind;
	run->fetch = fetch;
	progress_start(run->progress, strcmp(kind, "movie") == 0 ? "movies" : "people");
	run->window = calloc(run->capacity, sizeof *run->window);
	if (!run->window)
		die(EXIT_SOFTWARE, "out of memory");
	if (argc == 0)
		jsonl_read_inputs(0, NULL, fetch_id_line, run);
	for (int i = 0; i < argc; i++) {
		long long id;
		if (strcmp(argv[i], "-") == 0)
			jsonl_read_inputs(0, NULL, fetch_id_line, run);
		else if (ids_parse(argv[i], &id) < 0)
			cli_usage_error(usage_text, "'%s' is not a TMDB ID", argv[i]);
		else
			fetch_and_print(run, id);
	}
	run->input_done = true;
	finish_window(run);
	progress_end();
	free(run->window);
}

/* Once every movie is out: a sync whose input held every declared movie prints the
 * memberships the state has and the declarations no longer list. */
static void finish_sync(struct run *run)
{
	const struct sync_scope *scope;
	long long missing = sync_first_missing(&run->sync, &run->seen, &scope);
	if (missing)
		die(EXIT_DATAERR, "input ended before movie %lld, which person %s holds as %s: "
		    "the sync is incomplete", missing, scope->person_id, scope->job);
	sync_departures(&run->sync, print_mark);
}

/* Prints every person on every page of results for one name. */
static void search_name(struct run *run, const char *name)
{
	for (int page = 1, pages = 1; page <= pages; page++) {
		struct exchange_result r;
		tmdb_search_person(&run->api, name, page, &r);
		if (r.outcome != EXCHANGE_OK) {
			char what[300];
			snprintf(what, sizeof what, "search '%s'", name);
			report_failure(run, what, &r);
			buf_free(&r.message);
			return;
		}
		json_t *results = json_object_get(r.json, "results");
		size_t i;
		json_t *person;
		json_array_foreach(results, i, person)
			jsonl_print(person);
		pages = (int)json_integer_value(json_object_get(r.json, "total_pages"));
		json_decref(r.json);
	}
}

static void search_line(struct line_reader *reader, char *line, size_t len, void *context)
{
	(void)reader;
	(void)len;
	search_name(context, line);
}

static void search(struct run *run, int argc, char **argv)
{
	if (argc > 0) {
		struct buf name = {0};
		for (int i = 0; i < argc; i++)
			buf_printf(&name, "%s%s", i ? " " : "", argv[i]);
		search_name(run, name.data);
		buf_free(&name);
		return;
	}
	jsonl_read_inputs(0, NULL, search_line, run);
}

/* get PATH [K=V...]: any GET, printed as it came. */
static void get(struct run *run, int argc, char **argv)
{
	if (argc < 1)
		cli_usage_error(usage_text, "get: missing PATH");
	struct buf path = {0};
	buf_printf(&path, "%s%s", argv[0][0] == '/' ? "" : "/", argv[0]);
	struct query q = {0};
	query_set(&q, "language", run->api.language);
	for (int i = 1; i < argc; i++) {
		char *equals = strchr(argv[i], '=');
		if (!equals || equals == argv[i])
			cli_usage_error(usage_text, "get: '%s' is not NAME=VALUE", argv[i]);
		*equals = '\0';
		if (strcmp(argv[i], "api_key") == 0)
			cli_usage_error(usage_text, "get: api_key is never taken on the command line; "
					"use the environment or --config");
		if (query_set(&q, argv[i], equals + 1) < 0)
			cli_usage_error(usage_text, "get: too many parameters at '%s'", argv[i]);
	}
	struct exchange_result r;
	exchange_get(run->api.exchange, path.data, &q, &r);
	/* Unlike a movie among many, the one thing asked for is missing: fail, as curl -f. */
	if (r.outcome == EXCHANGE_NOT_FOUND)
		die(EXIT_DATAERR, "get %s: %s", path.data, r.message.data);
	if (r.outcome != EXCHANGE_OK) {
		struct buf what = {0};
		buf_printf(&what, "get %s", path.data);
		report_failure(run, what.data, &r);
	}
	jsonl_print(r.json);
	json_decref(r.json);
	buf_free(&r.message);
	buf_free(&path);
}

/* One line: "N fetched, N unchanged, N not found; N requests"; with --fresh-since the
 * unchanged count says how many of them were fresh, and not asked. */
static void print_summary(const struct run *run, const struct settings *s)
{
	char fresh[64] = "";
	if (s->fresh_since_text)
		snprintf(fresh, sizeof fresh, " (%d fresh, not asked)", run->fresh);
	log_error("%d fetched, %d unchanged%s, %d not found; %ld requests", run->fetched,
		  run->unchanged, fresh, run->not_found, exchange_request_count(run->api.exchange));
}

/* Opened before any request, so a file the run could not share fails it at once. */
static struct rate_file *open_rate_file(const char *path)
{
	struct rate_file *file;
	struct buf why = {0};
	int status = rate_file_open(&file, path, &why);
	if (status)
		die(status, "%s", why.data);
	return file;
}

static const char *choose_base_url(const char *option)
{
	const char *env = getenv("TMDB_BASE_URL");
	return option ? option : env && *env ? env : DEFAULT_BASE_URL;
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe shows up as EPIPE, handled quietly */
	struct settings s = {.language = "en-US", .retries = 3, .timeout_s = 30, .jobs = 8, .rate = 40};
	int first = parse_options(argc, argv, &s);
	if (first >= argc)
		cli_usage_error(usage_text, "missing command: person, movie, search or get");
	const char *command = argv[first];
	int nargs = argc - first - 1;
	char **args = argv + first + 1;
	if (strcmp(command, "person") && strcmp(command, "movie") && strcmp(command, "search") &&
	    strcmp(command, "get"))
		cli_usage_error(usage_text, "unknown command '%s'", command);

	struct credential cred = {0};
	struct stat st;
	if (s.replay_dir && (stat(s.replay_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		die(EXIT_NOINPUT, "%s: no such recording folder", s.replay_dir);
	if (!s.replay_dir)
		cred_load(&cred, s.config_path);
	struct rate_file *rate_file = NULL;
	if (s.rate_file && !s.replay_dir)
		rate_file = open_rate_file(s.rate_file);

	struct buf user_agent = {0};
	buf_printf(&user_agent, "tmdb-toolkit/%s (tmdb-fetch) libcurl/%s", TMDB_VERSION,
		   curl_version_info(CURLVERSION_NOW)->version);
	struct buf base_url = {0};
	buf_puts(&base_url, choose_base_url(s.base_url));
	while (base_url.len && base_url.data[base_url.len - 1] == '/')
		base_url.data[--base_url.len] = '\0';
	struct exchange_options exchange = {
		.http = {
			.base_url = base_url.data,
			.cred = &cred,
			.user_agent = user_agent.data,
			.timeout_s = s.timeout_s,
			.retries = (int)s.retries,
			.jobs = (int)s.jobs,
			.rate = s.rate,
			.rate_file = rate_file,
		},
		.record_dir = s.record_dir,
		.replay_dir = s.replay_dir,
	};
	/* The window holds a few rounds of work per connection, so connections stay busy
	 * while a slow movie at the front holds the printing up. */
	struct run run = {.api.language = s.language, .api.sync = s.etags, .strict = s.strict,
			  .progress = s.progress, .capacity = 4 * (size_t)s.jobs + 8};
	struct state previous = {0}, next = {0};
	if (s.state_in) {
		state_load(&previous, s.state_in);
		exchange.previous = &previous;
		run.api.incremental = true;
		run.api.skip_fresh = s.fresh_since_text != NULL;
		run.api.fresh_since = s.fresh_since;
		run.sync.old_members = previous.members;
	}
	if (s.state_out) {
		state_init(&next);
		exchange.next = &next;
	}
	if (!base_url.data || !user_agent.data || !(run.api.exchange = exchange_new(&exchange)))
		die(EXIT_SOFTWARE, "cannot set up the HTTP client");

	if (strcmp(command, "person") == 0)
		fetch_ids(&run, "person", tmdb_person_credits, nargs, args);
	else if (strcmp(command, "movie") == 0)
		fetch_ids(&run, "movie", tmdb_movie, nargs, args);
	else if (strcmp(command, "search") == 0)
		search(&run, nargs, args);
	else
		get(&run, nargs, args);
	if (syncing(&run) && !(run.not_found && run.strict))
		finish_sync(&run);
	jsonl_finish();
	if (s.summary)
		print_summary(&run, &s);
	/* Only a run that got everything it asked for may move the state on. A sync's
	 * state holds its memberships too: whoever keeps it (a tap) finds departures. */
	if (s.state_out && syncing(&run)) {
		json_decref(next.members);
		next.members = sync_members_after(&run.sync);
	}
	if (s.state_out && !(run.not_found && run.strict))
		state_save(&next, s.state_out);

	sync_free(&run.sync);
	state_free(&previous);
	state_free(&next);
	exchange_free(run.api.exchange);
	rate_file_close(rate_file);
	idset_free(&run.seen);
	cred_free(&cred);
	buf_free(&user_agent);
	buf_free(&base_url);
	if (run.not_found && run.strict) {
		log_error("%d not found (--strict)", run.not_found);
		return EXIT_DATAERR;
	}
	return 0;
}
