# shellcheck shell=bash
# A throwaway PostgreSQL cluster for Bats files:   load postgres
#
#   load test_helper
#   load postgres
#   setup_file()    { start_postgres; }
#   teardown_file() { stop_postgres; }
#   setup()         { pg_reset; }
#
# start_postgres makes a fresh cluster under BATS_FILE_TMPDIR that listens on a unix
# socket in its own folder and on 127.0.0.1 (a free port), and exports:
#   PGHOST PGPORT PGUSER PGDATABASE  the socket folder, the port, the superuser tmdb
#                                    (trust), the database tmdb: psql needs no flags
#   PG_DSN                           the same as a URI, for tmdb-load postgres
#   PG_BASE PG_DATA PG_PID PG_BIN PG_LOG
#                                    the cluster's folder (also the socket's), its data
#                                    folder, the postmaster's PID, the server binaries'
#                                    folder (psql, pg_dump of the same version), its log
#   PG_SECRET_USER PG_SECRET_PASSWORD PG_SECRET_DSN
#                                    a role that must give its password (SCRAM, over
#                                    127.0.0.1 and the socket), owning database
#                                    tmdb_secret; PG_SECRET_DSN has no password in it
# Needs the postgresql package (tests/deps.sh). initdb refuses to run as root, so
# when root the server runs as the postgres system user.

# The superuser and the password role: distinctive names and a password easy to grep for.
PG_SUPERUSER=tmdb
PG_SECRET_USER=tmdb_secret
PG_SECRET_PASSWORD='pg-s3cret_Zq8wX2vN7'

# The newest installed server's binaries (Debian keeps them out of PATH).
_pg_bin_dir() {
	local dir
	dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -1)
	if [[ -z $dir || ! -x $dir/initdb ]]; then
		echo "postgres.bash: no PostgreSQL server in /usr/lib/postgresql/*/bin; run: bash tests/deps.sh" >&2
		return 1
	fi
	printf '%s\n' "$dir"
}

# Runs a server binary as the user who owns the cluster: postgres when we are root.
# From /, which that user can always enter.
_pg_as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# The postgres user needs to reach its folder inside our (private) temp folders:
# search permission on every ancestor, nothing more.
_pg_let_owner_in() {
	local dir=$1
	chown postgres: "$dir"
	while dir=$(dirname "$dir") && [[ $dir != / ]]; do
		if [[ -O $dir ]]; then
			chmod o+x "$dir"
		fi
	done
}

_pg_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The SCRAM role first, so its lines win over the trust lines below them.
_pg_write_hba() {
	cat >"$1/pg_hba.conf" <<-EOF
		local all $PG_SECRET_USER scram-sha-256
		host  all $PG_SECRET_USER 127.0.0.1/32 scram-sha-256
		local all all trust
		host  all all 127.0.0.1/32 trust
	EOF
}

_pg_fail() {
	local message=$1 log
	for log in "$PG_BASE"/*.log; do
		[[ -f $log ]] && message+=$'\n'"--- $log:"$'\n'"$(tail -20 "$log")"
	done
	if declare -F fail >/dev/null; then
		fail "$message"
	else
		echo "$message" >&2
	fi
	return 1
}

# Waits (at most ~20 s) until the server answers on its socket.
_pg_wait_ready() {
	local tries=0
	until "$PG_BIN/pg_isready" -q -h "$PG_BASE" -p "$PGPORT" -U "$PG_SUPERUSER" -d postgres; do
		if ((++tries > 200)); then
			_pg_fail "postgres.bash: the server did not become ready within 20 s"
			return 1
		fi
		sleep 0.1
	done
}

start_postgres() {
	PG_BIN=$(_pg_bin_dir) || return 1
	PG_OWN_BASE=''
	PG_BASE=$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/pg.XXXXXX")
	# A unix socket path has at most 107 bytes; a deep temp folder falls back to /tmp.
	if ((${#PG_BASE} > 80)); then
		rmdir "$PG_BASE"
		PG_BASE=$(mktemp -d /tmp/tmdb-pg.XXXXXX)
		PG_OWN_BASE=1
	fi
	if [[ $(id -u) -eq 0 ]]; then
		_pg_let_owner_in "$PG_BASE"
	fi
	PG_DATA=$PG_BASE/data
	PG_LOG=$PG_BASE/server.log
	PGPORT=$(_pg_free_port)
	export PG_BASE PG_BIN PG_DATA PG_LOG PGPORT PG_OWN_BASE

	# No fsync anywhere: the cluster dies with the test file.
	_pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" -A trust -E UTF8 --locale=C \
		--no-sync >"$PG_BASE/initdb.log" 2>&1 ||
		{ _pg_fail "postgres.bash: initdb failed"; return 1; }
	_pg_write_hba "$PG_DATA"
	# 3>&- : Bats waits for fd 3 to close, and the server would hold it forever.
	_pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -W \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_BASE -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
		start >"$PG_BASE/pg_ctl.log" 2>&1 3>&- ||
		{ _pg_fail "postgres.bash: pg_ctl start failed"; return 1; }
	_pg_wait_ready || return 1
	PG_PID=$(head -1 "$PG_DATA/postmaster.pid")

	PGHOST=$PG_BASE
	PGUSER=$PG_SUPERUSER
	PGDATABASE=tmdb
	PG_DSN="postgresql:///tmdb?host=$PG_BASE&port=$PGPORT&user=$PG_SUPERUSER"
	PG_SECRET_DSN="postgresql://$PG_SECRET_USER@127.0.0.1:$PGPORT/tmdb_secret"
	export PG_PID PGHOST PGUSER PGDATABASE PG_DSN PG_SECRET_USER PG_SECRET_PASSWORD PG_SECRET_DSN
	unset PGPASSWORD PGSERVICE PGOPTIONS

	if ! pg_query 'CREATE DATABASE tmdb' -d postgres ||
		! pg_query "CREATE ROLE $PG_SECRET_USER LOGIN PASSWORD '$PG_SECRET_PASSWORD'" -d postgres ||
		! pg_query "CREATE DATABASE tmdb_secret OWNER $PG_SECRET_USER" -d postgres; then
		_pg_fail "postgres.bash: cannot create the test databases"
		return 1
	fi
}

# Stops the cluster start_postgres made (fast: no waiting for clients); by its PID if
# pg_ctl cannot. Safe to call twice.
stop_postgres() {
	local tries=0
	[[ -n ${PG_DATA:-} ]] || return 0
	if [[ -f $PG_DATA/postmaster.pid ]]; then
		_pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 3>&- ||
			kill -TERM "${PG_PID:-0}" 2>/dev/null
	fi
	while [[ -n ${PG_PID:-} ]] && kill -0 "$PG_PID" 2>/dev/null; do
		((++tries == 100)) && kill -KILL "$PG_PID" 2>/dev/null
		sleep 0.1
	done
	if [[ -n ${PG_OWN_BASE:-} ]]; then
		rm -rf "$PG_BASE"
	fi
	PG_DATA='' PG_PID=''
	return 0
}

# pg_query SQL [PSQL_ARGS...]: runs SQL in the test database (or -d DB), prints the
# rows unaligned and bare (-XAtq), fails on the first error.
pg_query() {
	local sql=$1
	shift
	"$PG_BIN/psql" -X -A -t -q -w -v ON_ERROR_STOP=1 "$@" -c "$sql"
}

# pg_reset: an empty public schema in the databases tmdb and tmdb_secret, for a test
# that starts from nothing.
pg_reset() {
	PGOPTIONS='-c client_min_messages=warning' pg_query 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' &&
		PGOPTIONS='-c client_min_messages=warning' pg_query \
			"DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION $PG_SECRET_USER" -d tmdb_secret
}

# sorted_csv: CSV on stdin, numbers in one spelling, rows sorted. The sqlite3 shell
# writes 7.0 where psql writes 7, and reals to 15 digits where psql gives all 17.
sorted_csv() {
	python3 -c 'import csv, sys
def same(field):
    try:
        return "%.15g" % float(field)
    except ValueError:
        return field
rows = [[same(f) for f in row] for row in csv.reader(sys.stdin)]
csv.writer(sys.stdout).writerows(sorted(rows))'
}
