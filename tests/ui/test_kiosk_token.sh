#!/bin/sh
# SPDX-License-Identifier: MIT
# A kiosk picks up a new token without a restart (docs/sync.md, "Replacing a
# kiosk's token"): the real blippa-kiosk against the real blippa-server over
# HTTPS with a CA made now, its clock pinned to 10:00 Stockholm tomorrow.
#  1. token_file made 0644, then emptied in place: the kiosk keeps its token
#     in memory (check-ins still reach the server) and its sync status says
#     what is wrong with the file; blippa-sync refuses the file the same way.
#  2. The region revokes the token (`revoke-kiosk`): a check-in stays queued,
#     the status says "token refused: put the new token in token_file".
#  3. A new token moved over token_file (rename): the queued check-in reaches
#     the server, the kiosk still running.
#  4. Revoked again, a third token written into token_file in place: same.
# The log never holds a token. Waiting is polling with a deadline.
# Usage: test_kiosk_token.sh SERVER SYNC KIOSK SOURCE_DIR
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
. "$src/tests/helpers/testlib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 CLI missing (scripts/install-deps)"

fault_workdir ktoken
setup_region "$server" "$sync" "$src" 5
sql() { sqlite3 -cmd ".timeout 10000" "$@"; }
status() { sql "$db" "SELECT $1 FROM sync_status;"; }
status_has() { status last_error | grep -q -- "$1"; }
on_server() { [ "$(sql "$work/region.db" "SELECT count(*) FROM events WHERE type = 0;")" = "$1" ]; }
pending() { [ "$(sql "$db" "SELECT count(*) FROM events WHERE sync = 0;")" = "$1" ]; }
in_trace() { grep -q -- "$1" "$work/trace"; }
new_token() { # new_token NAME FILE: a new kiosk entry, its token into FILE (0600)
	(umask 077 && "$server" add-kiosk --db "$work/region.db" --facility F1 --name "$1" \
		2>/dev/null | head -n 1 >"$2")
	[ -s "$2" ] || fail "add-kiosk printed no token"
	cat "$2" >>"$work/all-tokens"
}
revoke_all() {
	for id in $("$server" list-kiosks --db "$work/region.db" | cut -f 1); do
		"$server" revoke-kiosk --db "$work/region.db" --kiosk "$id" >/dev/null 2>&1 ||
			fail "revoke-kiosk $id"
	done
}
tap() { # tap UID N: a card check-in, the Nth of the run
	printf 'tap %s\n' "$1" >&8
	wait_for "check-in $2 recorded" 20 sh -c "[ \$(grep -c 'checkin .* ok card' '$work/trace') -ge $2 ]"
	printf 'expire\n' >&8
}
cp "$work/token" "$work/all-tokens"

: >"$work/trace"
mkfifo "$work/control"
SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software SDL_AUDIODRIVER=dummy \
	"$kiosk" --config "$work/kiosk.ini" --windowed --size 1280x800 \
	--trace "$work/trace" --control "$work/control" >"$work/kiosk.out" 2>"$work/kiosk.err" &
kiosk_pid=$!
exec 8<>"$work/control" # read-write: never blocks
wait_for "the kiosk's first frame" 30 in_trace "present home"
wait_for "a first good round" 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 10000' '$db' \
	'SELECT last_success_ms > 0 AND unauthorised = 0 FROM sync_status;')\" = 1 ]"

# --- 1. a token file the kiosk must not use: the token in memory is kept ------
chmod 644 "$work/token"
wait_for "status: token file readable by others" 20 status_has "readable by others; run: chmod 600"
grep -q "token file not used, old token kept" "$work/kiosk.err" || fail "no warning in the log"
rc=0
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync1.err" || rc=$?
[ "$rc" = 2 ] || fail "blippa-sync once with a 0644 token file exited $rc, not 2"
grep -q "readable by others" "$work/sync1.err" || fail "blippa-sync did not say why"
tap 04000001 1
wait_for "check-in 1 on the server (old token kept)" 30 on_server 1
chmod 600 "$work/token"
: >"$work/token" # emptied in place (0600 kept)
wait_for "status: token file empty" 20 status_has "token file is empty"
tap 04000002 2
wait_for "check-in 2 on the server (old token kept)" 30 on_server 2
status_has "token file is empty" || fail "the note went away while the file is still empty"
head -n 1 "$work/all-tokens" >"$work/token" # the old token back, in place
wait_for "status clean again" 20 sh -c "[ -z \"\$(sqlite3 -cmd '.timeout 10000' '$db' \
	'SELECT last_error FROM sync_status;')\" ]"

# --- 2. the region revokes the token: the check-in stays queued ---------------
revoke_all
tap 04000003 3
wait_for "status: token refused" 30 status_has "token refused: put the new token in token_file"
[ "$(status unauthorised)" = 1 ] || fail "sync status does not say unauthorised"
wait_for "home fault auth" 20 in_trace "home fault auth"
pending 1 || fail "the check-in made during the refusal is not queued"
on_server 2 || fail "a check-in reached the server with a revoked token"

# --- 3. a new token moved over token_file: delivered without a restart -------
new_token K2 "$work/token.new"
mv "$work/token.new" "$work/token"
wait_for "queued check-in on the server after the rename" 30 on_server 3
wait_for "home fault none" 20 in_trace "home fault none"
wait_for "status authorised" 20 sh -c "[ \"\$(sqlite3 -cmd '.timeout 10000' '$db' \
	'SELECT unauthorised FROM sync_status;')\" = 0 ]"
pending 0 || fail "events still queued"

# --- 4. revoked again, a third token written in place -----------------------
revoke_all
tap 04000004 4
wait_for "status: token refused again" 30 status_has "token refused"
pending 1 || fail "the second refused check-in is not queued"
new_token K3 "$work/token.k3"
cat "$work/token.k3" >"$work/token" # same inode, same mode, same size
wait_for "queued check-in on the server after the in-place write" 30 on_server 4
kill -0 "$kiosk_pid" || fail "the kiosk is gone"

# --- the log never holds a token ---------------------------------------------
while read -r t; do
	[ -n "$t" ] || continue
	grep -qF -- "$t" "$work/kiosk.err" "$work/kiosk.out" "$work/trace" &&
		fail "a token appears in the kiosk's log or trace"
done <"$work/all-tokens"

printf 'quit\n' >&8
wait_for "kiosk to exit" 30 sh -c "! kill -0 $kiosk_pid"
wait "$kiosk_pid" || fail "kiosk exited with an error (see $work/kiosk.err)"
kiosk_pid=""
exec 8>&-
kill "$srv_pid" && wait "$srv_pid" 2>/dev/null || true
srv_pid=""
ok=1
echo "ok: 0644/empty token file kept the old token; revoked -> queued; rename and in-place write delivered without a restart"
