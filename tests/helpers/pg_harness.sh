#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL 15 for the PostgreSQL tests and benchmarks of
# blippa-server (issue 8). No system service, no TCP: initdb in a fresh temp
# dir, the server listens only on a Unix socket in that dir
# (-c listen_addresses='' -k DIR), trust auth for the one superuser
# "blippa", database "blippa", C collation.
#
# Usage:
#   pg_harness.sh run [--durable] -- CMD [ARGS...]
#       starts PostgreSQL, runs CMD with BLIPPA_PG_URI set to
#       postgresql://blippa@/blippa?host=DIR, stops PostgreSQL
#       (pg_ctl stop -m immediate), removes DIR, exits with CMD's status.
#       A watchdog also stops it if this script is killed (ctest timeout):
#       it waits on a FIFO held open by this script and CMD, no polling.
#   pg_harness.sh start [--durable]   prints DIR on line 1 and the URI on line 2
#   pg_harness.sh stop DIR            stops and removes an instance from start
#
# Tests run with fsync=off (fast, nothing to protect); --durable keeps
# PostgreSQL's defaults (fsync, synchronous_commit on), for benchmarks.
#
# initdb refuses to run as root: when run as root, the instance runs as an
# unprivileged user: $BLIPPA_PG_USER if set, else "blippa-test" if it exists,
# else "nobody" (via setpriv). Its DIR is owned by that user; root reaches
# the socket anyway.
#
# Exit status 77 ("skip" for ctest) only when the PostgreSQL server binaries
# are missing (Debian package postgresql, see scripts/install-deps).
set -eu

find_bindir() {
	if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
		echo "$PG_BINDIR"
		return 0
	fi
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

BIN=$(find_bindir) || {
	echo "pg_harness: SKIP: PostgreSQL server binaries (initdb, pg_ctl) not found;" \
		"install the Debian package 'postgresql' (scripts/install-deps)" >&2
	exit 77
}

# as_user CMD...: runs CMD as the instance owner (root: an unprivileged user).
RUNAS=""
if [ "$(id -u)" -eq 0 ]; then
	RUNAS=${BLIPPA_PG_USER:-}
	if [ -z "$RUNAS" ]; then
		if id blippa-test >/dev/null 2>&1; then RUNAS=blippa-test; else RUNAS=nobody; fi
	fi
	id "$RUNAS" >/dev/null 2>&1 || { echo "pg_harness: no user $RUNAS" >&2; exit 1; }
fi
as_user() {
	if [ -n "$RUNAS" ]; then
		setpriv --reuid="$RUNAS" --regid="$(id -g "$RUNAS")" --clear-groups \
			env HOME=/ "$@"
	else
		"$@"
	fi
}

# start_instance DURABLE: sets DIR and URI.
start_instance() {
	base=${TMPDIR:-/tmp}
	# the instance owner must reach DIR; a socket path must stay < 108 bytes
	if ! as_user test -x "$base" 2>/dev/null || [ ${#base} -gt 60 ]; then base=/tmp; fi
	DIR=$(mktemp -d "$base/blippa-pg.XXXXXX")
	chmod 0700 "$DIR"
	if [ -n "$RUNAS" ]; then chown "$RUNAS" "$DIR"; fi
	if ! as_user "$BIN/initdb" -D "$DIR/data" -U blippa --auth=trust -E UTF8 \
		--locale=C --no-sync >"$DIR/initdb.log" 2>&1; then
		cat "$DIR/initdb.log" >&2
		echo "pg_harness: initdb failed" >&2
		rm -rf "$DIR"
		exit 1
	fi
	opts="-c listen_addresses='' -k $DIR -c max_connections=200 -c shared_buffers=64MB"
	if [ "$1" != 1 ]; then
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	if ! as_user "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
		-o "$opts" start >/dev/null 2>&1 9>&-; then
		cat "$DIR/server.log" >&2 || true
		echo "pg_harness: pg_ctl start failed" >&2
		rm -rf "$DIR"
		exit 1
	fi
	if ! as_user "$BIN/createdb" -h "$DIR" -U blippa blippa 9>&-; then
		stop_instance "$DIR"
		echo "pg_harness: createdb failed" >&2
		exit 1
	fi
	URI="postgresql://blippa@/blippa?host=$DIR"
}

stop_instance() {
	as_user "$BIN/pg_ctl" -D "$1/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	rm -rf "$1"
}

durable=0
cmd=${1:-}
[ $# -gt 0 ] && shift
if [ "${1:-}" = "--durable" ]; then
	durable=1
	shift
fi

case "$cmd" in
start)
	start_instance $durable
	echo "$DIR"
	echo "$URI"
	;;
stop)
	[ $# -eq 1 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
	stop_instance "$1"
	;;
run)
	[ "${1:-}" = "--" ] && shift
	[ $# -ge 1 ] || { echo "usage: $0 run [--durable] -- CMD [ARGS...]" >&2; exit 2; }
	start_instance $durable
	# Watchdog: stops the instance once every holder of the FIFO's write end
	# (this script and CMD) is gone, however they end.
	mkfifo "$DIR/watchdog"
	(
		trap '' INT TERM HUP
		cat "$DIR/watchdog" >/dev/null
		stop_instance "$DIR"
	) </dev/null >/dev/null 2>&1 &
	watchdog=$!
	exec 9>"$DIR/watchdog"
	trap 'exit 143' INT TERM HUP
	status=0
	BLIPPA_PG_URI=$URI "$@" || status=$?
	exec 9>&-
	wait "$watchdog" || true # stopped and removed before we return
	exit $status
	;;
*)
	echo "usage: $0 run [--durable] -- CMD [ARGS...] | start [--durable] | stop DIR" >&2
	exit 2
	;;
esac
