#!/bin/sh
# SPDX-License-Identifier: MIT
# Test of tests/helpers/pg_harness.sh: `run` gives the command a working
# PostgreSQL URI (Unix socket only, no TCP), passes its exit status through
# and removes the instance afterwards; an instance whose harness is killed
# (a ctest timeout) is stopped by the watchdog. Usage: test_pg_harness.sh
# PG_HARNESS. Exit 77 when the PostgreSQL binaries are missing.
set -eu

H=$1
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_gone DIR SECONDS: polls (50 ms) until DIR is removed or the deadline.
wait_gone() {
	_end=$(($(date +%s) + $2))
	while [ -e "$1" ]; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.05
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. run: a usable URI, socket only, status passed through, cleaned up
cat > "$tmp/q.sql" <<'SQL'
SELECT current_setting('listen_addresses') || '|' || current_setting('lc_collate') || '|' ||
	current_user;
SQL
set +e
sh "$H" run -- sh -c '
	case "$BLIPPA_PG_URI" in postgresql://blippa@/blippa\?host=/*) ;; *) exit 10 ;; esac
	psql "$BLIPPA_PG_URI" -At -f "$0/q.sql" > "$0/out" || exit 11
	echo "${BLIPPA_PG_URI#*host=}" > "$0/dir"
	exit 3' "$tmp"
rc=$?
set -e
[ $rc -ne 77 ] || exit 77
[ $rc -eq 3 ] || fail "run: expected the command's status 3, got $rc"
[ "$(cat "$tmp/out")" = "|C|blippa" ] || fail "run: unexpected settings: $(cat "$tmp/out")"
dir=$(cat "$tmp/dir")
[ ! -e "$dir" ] || fail "run: $dir left behind"

# 2. the harness is killed: the watchdog stops the instance
sh "$H" run -- sh -c 'echo $$ > "$0/cmd.pid"
	echo "${BLIPPA_PG_URI#*host=}" > "$0/dir2"; exec sleep 300' "$tmp" &
hpid=$!
end=$(($(date +%s) + 30))
while [ ! -s "$tmp/dir2" ]; do
	[ "$(date +%s)" -lt "$end" ] || fail "instance did not start"
	sleep 0.05
done
dir=$(cat "$tmp/dir2")
psql "postgresql://blippa@/blippa?host=$dir" -Atc 'SELECT 1' >/dev/null || fail "not serving"
# what ctest does on a timeout: kill the harness and its child
kill -KILL "$hpid" "$(cat "$tmp/cmd.pid")" 2>/dev/null || true
wait_gone "$dir" 30 || fail "killed harness: instance in $dir still there"
echo "pg_harness: ok"
