#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# One incremental sync of director 525 into files/warehouse.db and files/state.json of the
# current folder: sync_director from pipelines/sync.bash, the sync that
# debug.sh --incremental and deploy.sh run, with the programs from PATH (so TMDB_BIN's
# build) and the tmdb-fetch options given as arguments (the pipelines take none, e.g.
# --timeout 1 --retries 2).
#   sync_once.sh [TMDB-FETCH-OPTION...]
set -euo pipefail
# shellcheck source=../../pipelines/sync.bash
source "$(dirname "${BASH_SOURCE[0]}")/../../pipelines/sync.bash"
fetch_options=("$@")
sync_director 525 Director sqlite files/warehouse.db
copy_state sqlite files/warehouse.db files/state.json
