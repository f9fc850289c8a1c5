/* The state file reader (lib/state.c state_load, which takes a path: the input is
 * written to a file first). It takes exactly {"version": 1, "etags": {...}}, with
 * "fetched" an object and "members" a list if there, and dies with 78 on anything else;
 * a state it took, saved with state_save, loads back equal. Any request key, ETag and
 * time (here the input's first two lines, whatever their bytes) can be set in a state
 * without ending the run, and it still saves and loads back.
 *
 * On a JSON file of the wrong version state_load dies holding the parsed file, which
 * exit() makes harmless and the harness's jump back would report as a leak: that one
 * call runs with LeakSanitizer off (see README.md). */
#include <sanitizer/lsan_interface.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "state.h"

struct set_call {
	struct state *state;
	const char *key, *etag;
};

static void call_state_set_etag(void *context)
{
	struct set_call *call = context;
	state_set_etag(call->state, call->key, call->etag, call->etag);
}

struct load_call {
	struct state *state;
	const char *path;
};

static void call_state_load(void *context)
{
	struct load_call *call = context;
	state_load(call->state, call->path);
}

/* 1 for a state file, 0 for JSON that is not one, -1 for what is not JSON. */
static int kind_of_input(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return -1;
	json_t *version = json_object_get(root, "version");
	json_t *fetched = json_object_get(root, "fetched"), *members = json_object_get(root, "members");
	int is_state = json_is_integer(version) && json_integer_value(version) == 1 &&
		       json_is_object(json_object_get(root, "etags")) &&
		       (!fetched || json_is_object(fetched)) && (!members || json_is_array(members));
	json_decref(root);
	return is_state;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-fetch");
	log_set_verbosity(-1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int kind = kind_of_input(data, size);
	struct state state = {0};
	struct load_call call = {&state, fuzz_write_file("state.json", data, size)};
	if (kind == 0)
		__lsan_disable();
	int died = fuzz_catch_exit(call_state_load, &call);
	if (kind == 0)
		__lsan_enable();
	if (died && died != EXIT_CONFIG + 1)
		fuzz_fail("exit %d", died - 1);
	if ((kind == 1) != !died)
		fuzz_fail("%s a %s", died ? "refused" : "took", kind == 1 ? "state file" : "file that is none");
	if (died)
		state_init(&state);	/* a state as tmdb-fetch starts one for --state-out */

	char *text = strndup((const char *)data, size), *value = text + strcspn(text, "\n");
	if (*value) {
		*value++ = '\0';
		value[strcspn(value, "\n")] = '\0';
	}
	struct set_call set = {&state, text, value};
	if (fuzz_catch_exit(call_state_set_etag, &set))
		fuzz_fail("setting an ETag ended the run");
	free(text);

	const char *key;
	json_t *etag;
	json_object_foreach(state.etags, key, etag)
		if (state_etag(&state, key) != json_string_value(etag))
			fuzz_fail("state_etag(\"%s\") is not the file's", key);
	struct state again = {0};
	char saved[300];
	snprintf(saved, sizeof saved, "%s/saved.json", fuzz_scratch_dir());
	state_save(&state, saved);
	call = (struct load_call){&again, saved};
	if (fuzz_catch_exit(call_state_load, &call))
		fuzz_fail("refused the state it saved");
	if (!json_equal(state.etags, again.etags) || !json_equal(state.fetched, again.fetched))
		fuzz_fail("the state saved loads back as another");
	state_free(&again);
	state_free(&state);
	return 0;
}
