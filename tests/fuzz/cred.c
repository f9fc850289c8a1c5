/* tmdb-fetch --config FILE (lib/cred.c cred_load, which takes a path: the input is
 * written to a file first). It takes exactly a JSON object with a non-empty string
 * "access_token" (a Bearer credential, which wins) or "api_key", and dies with 78 on
 * anything else, having freed what it parsed. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cred.h"
#include "fuzz.h"
#include "log.h"

struct load_call {
	struct credential *cred;
	const char *path;
};

static void call_cred_load(void *context)
{
	struct load_call *call = context;
	cred_load(call->cred, call->path);
}

/* The credential the file holds (kind in *kind), NULL when it holds none. */
static char *expected_secret(const uint8_t *data, size_t size, enum cred_kind *kind)
{
	json_t *config = json_loadb((const char *)data, size, 0, NULL);
	int object = json_is_object(config);
	const char *names[] = {"access_token", "api_key"};
	char *secret = NULL;
	for (int i = 0; i < 2 && object && !secret; i++) {
		json_t *value = json_object_get(config, names[i]);
		if (!value)
			continue;
		if (json_is_string(value) && json_string_length(value) > 0) {
			secret = strdup(json_string_value(value));
			*kind = i == 0 ? CRED_BEARER : CRED_API_KEY;
		}
		break;
	}
	json_decref(config);
	return secret;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-fetch");
	unsetenv("TMDB_ACCESS_TOKEN");
	unsetenv("TMDB_API_KEY");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum cred_kind kind = CRED_API_KEY;
	char *secret = expected_secret(data, size, &kind);
	struct credential cred = {0};
	struct load_call call = {&cred, fuzz_write_file("config.json", data, size)};
	int died = fuzz_catch_exit(call_cred_load, &call);
	if (died && died != EXIT_CONFIG + 1)
		fuzz_fail("exit %d", died - 1);
	if ((died == 0) != (secret != NULL))
		fuzz_fail("%s a configuration it should %s", died ? "refused" : "took",
			  died ? "take" : "refuse");
	if (!died && (cred.kind != kind || strcmp(cred.secret, secret) != 0))
		fuzz_fail("took another credential than the file's");
	cred_free(&cred);
	free(secret);
	return 0;
}
