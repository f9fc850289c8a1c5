#!/usr/bin/env bats
# Disk full and write errors: every output the toolkit writes (a database, CSV files, a
# recording, a state file, standard output) failing for want of space exits with the
# contract's status and one line on stderr, and leaves what was there as it was.
#
# A full disk is a tiny tmpfs. Mounting needs root (CI is root); where mount is refused the
# suite says so in its test names and falls back to ulimit -f (with SIGXFSZ ignored, a
# write past the limit fails with EFBIG), which needs no loop device or privilege.

load hardening/common
load hardening/movies

SAMPLE="$BATS_TEST_DIRNAME/../pipelines/sample"

# How this machine gives the suite a full disk.
tiny_fs_kind() {
	local probe status=0
	probe=$(mktemp -d "${TMPDIR:-/tmp}/hardening-probe.XXXXXX")
	if mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
		umount "$probe"
	else
		status=1
	fi
	rmdir "$probe"
	if ((status == 0)); then echo tmpfs; else echo "ulimit -f, as mount -t tmpfs was refused"; fi
}
TINY_FS=$(tiny_fs_kind)

# mount_tiny_fs DIR KB: DIR is a KB-kilobyte filesystem (unmounted in teardown).
mount_tiny_fs() {
	mkdir -p "$1"
	[[ $TINY_FS == tmpfs ]] || return 0
	mount -t tmpfs -o "size=${2}k" tmpfs "$1"
	MOUNTED+=("$(cd "$1" && pwd)")
}

# fill_tiny_fs DIR: nothing more fits in DIR.
fill_tiny_fs() {
	[[ $TINY_FS == tmpfs ]] || return 0
	dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
	[ "$(df -k --output=avail "$1" | tail -1)" -eq 0 ]
}

# in_tiny_fs KB CMD...: CMD as it writes into the tiny filesystem; in the fallback no file
# it writes may grow past KB kilobytes (0: the filesystem is full). The limit is the
# process's own, so there its stderr goes through a pipe: a file (as Bats captures it)
# would refuse the very message.
in_tiny_fs() {
	if [[ $TINY_FS == tmpfs ]]; then
		"${@:2}"
		return
	fi
	{ (trap '' XFSZ; ulimit -f "$1"; exec "${@:2}") 2>&1 >&3 3>&- | cat >&2; return "${PIPESTATUS[0]}"; } 3>&1
}

setup_file() {
	start_fake_tmdb
	mkdir -p "$BATS_FILE_TMPDIR/in"
	# 300 movies: about 6 MB of Singer stream, far more than a 1 MB filesystem holds.
	make_movies 300 | tmdb-shape --all >"$BATS_FILE_TMPDIR/in/big.stream"
	tmdb-fetch --replay "$SAMPLE" movie 155 27205 | tmdb-shape --all >"$BATS_FILE_TMPDIR/in/small.stream"
	tmdb-fetch --replay "$SAMPLE" movie 1124 | tmdb-shape --all >"$BATS_FILE_TMPDIR/in/other.stream"
}

teardown_file() {
	stop_fake_tmdb
}

setup() {
	fake_reset
	MOUNTED=()
	cd "$BATS_TEST_TMPDIR" || return
}

teardown() {
	cd /
	local dir
	for dir in "${MOUNTED[@]}"; do
		umount "$dir" || umount -l "$dir"
	done
}

# one_line PROGRAM: stderr is exactly one line, a diagnostic of PROGRAM.
one_line() {
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "not one line on stderr: $stderr"
	[[ $stderr == "$1: "* ]] || fail "not a diagnostic of $1: $stderr"
}

@test "tmdb-load sqlite into a 1 MB $TINY_FS: exit 74 in one line; the database whole and as before" {
	mount_tiny_fs fs 1024
	tmdb-load -q sqlite fs/warehouse.db <"$BATS_FILE_TMPDIR/in/small.stream"
	sqlite3 fs/warehouse.db .dump >before.dump
	run -74 --separate-stderr in_tiny_fs 1024 tmdb-load sqlite fs/warehouse.db <"$BATS_FILE_TMPDIR/in/big.stream"
	one_line tmdb-load
	[[ $stderr == *"fs/warehouse.db"* ]]
	# The next opener rolls a journal left behind back; integrity_check is that opener.
	[ "$(sqlite3 fs/warehouse.db 'PRAGMA integrity_check')" = ok ]
	cmp before.dump <(sqlite3 fs/warehouse.db .dump)
	[ ! -e fs/warehouse.db-journal ]
}

@test "tmdb-load sqlite of a new database into a 1 MB $TINY_FS: exit 74 in one line, nothing of it left, no false word at -v" {
	# It left a 1.2 MB file and a hot journal, and at -v said "cannot rollback - no
	# transaction is active" (SQLite had rolled back on its own).
	mount_tiny_fs fs 1024
	run -74 --separate-stderr in_tiny_fs 1024 tmdb-load sqlite fs/new.db <"$BATS_FILE_TMPDIR/in/big.stream"
	one_line tmdb-load
	[[ $stderr == *"fs/new.db"* ]]
	for file in fs/new.db fs/new.db-journal fs/new.db-wal fs/new.db-shm; do
		[ ! -e "$file" ] || fail "$file is left: $(ls -l fs)"
	done
	run -74 --separate-stderr in_tiny_fs 1024 tmdb-load -v sqlite fs/new.db <"$BATS_FILE_TMPDIR/in/big.stream"
	[[ $stderr != *"no transaction is active"* ]] || fail "$stderr"
	[ ! -e fs/new.db ]
	# The folder holds what it held: the lock file, never removed (see lib/lock.h).
	[ "$(ls fs)" = new.db.lock ]
}

@test "tmdb-load csv into a full $TINY_FS: exit 74 in one line; the old CSV files untouched, no temporary file left" {
	mount_tiny_fs fs 1024
	tmdb-load -q csv fs/csv <"$BATS_FILE_TMPDIR/in/small.stream"
	cp -a fs/csv before
	fill_tiny_fs fs
	run -74 --separate-stderr in_tiny_fs 0 tmdb-load csv fs/csv <"$BATS_FILE_TMPDIR/in/other.stream"
	one_line tmdb-load
	[[ $stderr == *"cannot write"* ]]
	diff -r before fs/csv
	[ -z "$(find fs/csv -name '.*.csv.*')" ]
}

@test "tmdb-fetch --record into a full $TINY_FS: exit 73 in one line, nothing printed, no temporary file left" {
	mount_tiny_fs fs 1024
	mkdir fs/rec
	fill_tiny_fs fs
	run -73 --separate-stderr in_tiny_fs 0 tmdb-fetch --record fs/rec movie 155
	one_line tmdb-fetch
	[[ $stderr == *"cannot record"* ]]
	[ -z "$output" ]
	[ -z "$(find fs/rec -type f)" ]
}

@test "tmdb-fetch --state-out into a full $TINY_FS: exit 73 in one line; the old state untouched, no temporary file left" {
	mount_tiny_fs fs 1024
	tmdb-fetch --state-out fs/state.json movie 155 >/dev/null
	cp fs/state.json state.before
	fill_tiny_fs fs
	run -73 --separate-stderr in_tiny_fs 0 tmdb-fetch --state-out fs/state.json movie 27205
	one_line tmdb-fetch
	[[ $stderr == *"cannot write state"* ]]
	cmp state.before fs/state.json
	[ -z "$(find fs -name 'state.json.tmp.*')" ]
}

# Each program with its standard output on /dev/full: a command line, and its input file.
full_stdout_cases() {
	cat <<CASES
tmdb-fetch --replay $SAMPLE person 525
tmdb-fetch --replay $SAMPLE movie 155
tmdb-fetch --replay $SAMPLE search Christopher Nolan
tmdb-fetch --replay $SAMPLE get /person/525
tmdb-fetch person 525
tmdb-fetch --help
tmdb-fetch --version
tmdb-director $BATS_FILE_TMPDIR/in/person.jsonl
tmdb-director --help
tmdb-director --version
tmdb-shape --all $BATS_FILE_TMPDIR/in/movies.jsonl
tmdb-shape movies $BATS_FILE_TMPDIR/in/movies.jsonl
tmdb-shape --schema
tmdb-shape --help
tmdb-shape --version
tmdb-load csv - movies <$BATS_FILE_TMPDIR/in/small.stream
tmdb-load --help
tmdb-load --version
CASES
}

@test "every program with standard output on /dev/full exits 74 with one line on stderr" {
	tmdb-fetch --replay "$SAMPLE" person 525 >"$BATS_FILE_TMPDIR/in/person.jsonl"
	tmdb-fetch --replay "$SAMPLE" movie 155 >"$BATS_FILE_TMPDIR/in/movies.jsonl"
	local -a problems=()
	local line status err
	while IFS= read -r line; do
		status=0
		err=$(bash -c "$line >/dev/full" 2>&1) || status=$?
		if ((status != 74)); then
			problems+=("$line: exit $status, expected 74")
		elif [[ $(printf '%s\n' "$err" | wc -l) -ne 1 || $err != "${line%% *}: "*"No space left on device" ]]; then
			problems+=("$line: not one line naming the error: '$err'")
		fi
	done < <(full_stdout_cases)
	if ((${#problems[@]})); then
		fail "$(printf '%s\n' "${problems[@]}")"
	fi
}
