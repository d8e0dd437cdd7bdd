#!/bin/sh
# SPDX-License-Identifier: MIT
# kill -9 during sync (issue 7): a kiosk database with EVENTS queued
# check-ins (tests/fault/fault_seed.c) is pushed to the real blippa-server
# over HTTPS by `blippa-sync once` (batches of 500), and
#   phase A: the server is killed with SIGKILL while batches are in flight,
#            then restarted on the same database;
#   phase B: blippa-sync is killed with SIGKILL mid-batch (the server may
#            have stored a batch whose answer never reached the kiosk);
# ROUNDS times each, at random points. Afterwards one more `blippa-sync once`
# must deliver everything: the server holds exactly the kiosk's event ids,
# each once, nothing pending or rejected, both databases pass integrity_check.
# Usage: test_server_kill.sh SERVER SYNC SEED SOURCE_DIR EVENTS ROUNDS
set -eu
server=$1
sync=$2
seed=$3
src=$4
events=$5
rounds=$6
. "$src/tests/helpers/testlib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 CLI missing (scripts/install-deps)"

work=$(mktemp -d "${TMPDIR:-/tmp}/blippa-srvkill.XXXXXX")
srv_pid=""
sync_pid=""
cleanup() {
	[ -n "$sync_pid" ] && kill -9 "$sync_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
	if [ "${ok:-0}" = 1 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

sql() { sqlite3 -cmd ".timeout 10000" "$@"; }
srv_count() { sql "$work/region.db" "SELECT count(*) FROM events WHERE type = 0;"; }
local_pending() { sql "$db" "SELECT count(*) FROM events WHERE sync = 0;"; }
# await_server_above N DESC: polls (every 5 ms, 60 s deadline) until the
# server has stored more than N check-ins; the fine poll puts the kill close
# behind a batch commit, while the next batch is on its way
await_server_above() {
	_end=$(($(date +%s) + 60))
	until [ "$(srv_count)" -gt "$1" ]; do
		[ "$(date +%s)" -lt "$_end" ] || fail "timed out waiting for server ingest ($2)"
		sleep 0.005
	done
}
local_synced() { sql "$db" "SELECT count(*) FROM events WHERE sync = 1;"; }
# gone PID: the process has exited (a zombie not yet reaped counts as gone)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
rand_below() { awk -v s="$1$$" -v m="$2" 'BEGIN { srand(s); print 1 + int(rand() * m) }'; }

serve() {
	# start_server greps serve.out, which the new server's shell redirect
	# truncates only once it runs: clear it first, or it may read the old port
	: >"$work/serve.out"
	start_server "$server" "$work/region.db" "$work/pki" "$work"
	write_kiosk_config "$work/kiosk.ini" "$work/kiosk" "$port" "$work/token" \
		"$work/pki/ca.pem" "$work/taps"
}

sh "$src/tests/helpers/make-test-ca.sh" "$work/pki" >/dev/null 2>&1 || fail "make-test-ca"
make_roster "$work/roster" 1000
"$server" init --db "$work/region.db" >/dev/null
"$server" import --db "$work/region.db" "$work/roster" >/dev/null || fail "import"
(umask 077 && "$server" add-kiosk --db "$work/region.db" --facility F1 --name K \
	2>/dev/null | head -n 1 >"$work/token")
serve
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync0.err" || fail "roster pull"
db=$work/kiosk/blippa.db
[ "$("$seed" "$db" "$events")" = "$events" ] || fail "seeding $events events"
sql "$db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/local_ids"
[ "$(wc -l <"$work/local_ids")" -eq "$events" ] || fail "seeded queue has the wrong size"

t0=$(date +%s)
# Phase A: the server dies while batches are in flight.
kills_server=0
server_cut=0 # rounds in which the kill cut a running sync short
unacked_a=0  # events stored by a server that died before answering
r=1
while [ "$r" -le "$rounds" ] && [ "$(local_pending)" -gt 1500 ]; do
	base=$(srv_count)
	"$sync" --config "$work/kiosk.ini" once >"$work/syncA.$r.out" 2>"$work/syncA.$r.err" &
	sync_pid=$!
	await_server_above $((base + $(rand_below "A$r" 500))) "round A$r"
	kill -9 "$srv_pid"
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=""
	kills_server=$((kills_server + 1))
	wait_for "blippa-sync to give up (round A$r)" 60 gone "$sync_pid"
	wait "$sync_pid" && sync_rc=0 || sync_rc=$?
	sync_pid=""
	# a sync that lost its server must say so, not claim success
	[ "$sync_rc" -ne 0 ] || [ "$(local_pending)" -eq 0 ] || fail "blippa-sync exit 0 with events pending"
	[ "$sync_rc" -eq 0 ] || server_cut=$((server_cut + 1))
	[ "$(sql "$work/region.db" 'PRAGMA integrity_check;')" = ok ] || fail "server DB integrity (A$r)"
	unacked_a=$((unacked_a + $(srv_count) - $(local_synced)))
	serve # same database, new port
	r=$((r + 1))
done

# Phase B: blippa-sync dies mid-batch.
kills_sync=0
sync_cut=0 # rounds in which blippa-sync was still running when killed
unacked=0  # events the server stored whose answer the killed sync never saw
r=1
while [ "$r" -le "$rounds" ] && [ "$(local_pending)" -gt 1500 ]; do
	base=$(srv_count)
	"$sync" --config "$work/kiosk.ini" once >"$work/syncB.$r.out" 2>"$work/syncB.$r.err" &
	sync_pid=$!
	await_server_above $((base + $(rand_below "B$r" 500))) "round B$r"
	gone "$sync_pid" || sync_cut=$((sync_cut + 1))
	kill -9 "$sync_pid" 2>/dev/null || true # it may have finished by itself
	wait "$sync_pid" 2>/dev/null || true
	sync_pid=""
	kills_sync=$((kills_sync + 1))
	[ "$(sql "$db" 'PRAGMA integrity_check;')" = ok ] || fail "kiosk DB integrity (B$r)"
	unacked=$((unacked + $(srv_count) - $(local_synced)))
	# the next round resends those: they become "duplicate", not new rows
	r=$((r + 1))
done
[ "$server_cut" -ge 1 ] && [ "$sync_cut" -ge 1 ] ||
	fail "no kill landed during a sync ($server_cut server, $sync_cut sync): too few events?"
echo "before the final sync: server $(srv_count), kiosk pending $(local_pending)"

# Retries until delivered (a real kiosk's sync thread does the same).
tries=0
until "$sync" --config "$work/kiosk.ini" once >"$work/final.out" 2>"$work/final.err"; do
	tries=$((tries + 1))
	[ "$tries" -lt 5 ] || fail "final sync did not deliver: $(cat "$work/final.err")"
done
[ "$(local_pending)" -eq 0 ] || fail "events still pending on the kiosk"
[ "$(sql "$db" 'SELECT count(*) FROM events WHERE sync = 2;')" -eq 0 ] || fail "rejected events"
sql "$work/region.db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/server_ids"
dups=$(uniq -d "$work/server_ids" | wc -l)
[ "$dups" -eq 0 ] || fail "$dups duplicate events on the server"
cmp -s "$work/local_ids" "$work/server_ids" ||
	fail "server and kiosk hold different events ($(wc -l <"$work/server_ids") vs $events)"
[ "$(sql "$work/region.db" 'PRAGMA integrity_check;')" = ok ] || fail "server DB integrity"
[ "$(sql "$db" 'PRAGMA integrity_check;')" = ok ] || fail "kiosk DB integrity"
echo "server/sync kill -9: $events events, $kills_server server kills ($server_cut cut a sync short, $unacked_a stored-but-unanswered)," \
	"$kills_sync sync kills ($sync_cut mid-run, $unacked stored-but-unanswered events in all)," \
	"final sync: $(head -n 1 "$work/final.out"), all $events on the server once," \
	"$(($(date +%s) - t0)) s"
ok=1
