#!/bin/sh
# SPDX-License-Identifier: MIT
# The "not authorised" home screen (issue 13.4, kiosk/ui/scr_home_fault.c)
# on the real blippa-kiosk against the real blippa-server over HTTPS with a
# CA made now. The kiosk pulls its roster with a good token, then the region
# revokes that token (`revoke-kiosk`): the kiosk's next round gets 401 and
# the home screen says it is not connected (trace `home fault auth`), while
# a card tap is still checked in and kept here. The recovery tested here is
# a new kiosk entry, its token written over the old one while the kiosk is
# stopped, the kiosk started again (a running kiosk picks up a new token by
# itself: tests/ui/test_kiosk_token.sh). It comes up still showing the fault
# (the last round's answer is kept in the database), its first round with the
# new token succeeds, the home screen turns normal (`home fault none`) and
# the check-in kept during the fault reaches the server.
# Usage: test_kiosk_auth.sh SERVER SYNC KIOSK SOURCE_DIR [SHOT_DIR]
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
shots=${5:-}
. "$src/tests/helpers/testlib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 CLI missing (scripts/install-deps)"

fault_workdir kauth
setup_region "$server" "$sync" "$src" 3
sql() { sqlite3 -cmd ".timeout 10000" "$@"; }

# start_kiosk TRACE: the kiosk headless on $work/kiosk.ini; control FIFO on fd 8
start_kiosk() {
	trace=$1
	: >"$trace"
	[ -p "$work/control" ] || mkfifo "$work/control"
	SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software SDL_AUDIODRIVER=dummy \
		"$kiosk" --config "$work/kiosk.ini" --windowed --size 1280x800 \
		--trace "$trace" --control "$work/control" >"$work/kiosk.out" 2>>"$work/kiosk.err" &
	kiosk_pid=$!
	exec 8<>"$work/control" # read-write: never blocks
	wait_for "the kiosk's first frame" 30 grep -q "present home" "$trace"
}
stop_kiosk() {
	printf 'quit\n' >&8
	wait_for "kiosk to exit" 30 sh -c "! kill -0 $kiosk_pid"
	wait "$kiosk_pid" || fail "kiosk exited with an error (see $work/kiosk.err)"
	kiosk_pid=""
	exec 8>&-
}
in_trace() { grep -q -- "$2" "$1"; }

# --- the region revokes the kiosk's token ------------------------------------
old_id=$("$server" list-kiosks --db "$work/region.db" | cut -f 1)
[ -n "$old_id" ] || fail "list-kiosks shows no kiosk"
"$server" revoke-kiosk --db "$work/region.db" --kiosk "$old_id" >/dev/null 2>&1 ||
	fail "revoke-kiosk"

start_kiosk "$work/trace1"
# the first round (at start) gets 401: the fault home, not the normal one
wait_for "home fault auth" 30 in_trace "$work/trace1" "home fault auth"
grep -q "home fault none" "$work/trace1" && fail "the fault home went away by itself"
[ "$(sql "$work/kiosk/blippa.db" "SELECT unauthorised FROM sync_status;")" = 1 ] ||
	fail "sync status does not say unauthorised"
if [ -n "$shots" ]; then
	mkdir -p "$shots"
	printf 'screenshot %s/home-not-authorised.bmp\n' "$shots" >&8
	wait_for "screenshot" 10 in_trace "$work/trace1" "screenshot ok"
fi
# check-in still works and is kept here ("Your check-in is saved here")
printf 'tap 04000001\n' >&8
wait_for "the tap's check-in" 20 in_trace "$work/trace1" "checkin .* ok card"
[ "$(sql "$work/kiosk/blippa.db" "SELECT count(*) FROM events WHERE sync = 0;")" = 1 ] ||
	fail "the check-in is not pending in the kiosk's database"
# name search is there and works on the fault home
printf 'expire\n' >&8
wait_for "back home" 20 in_trace "$work/trace1" "screen result -> home"
printf 'press search\n' >&8
wait_for "search from the fault home" 20 in_trace "$work/trace1" "screen home -> search"
stop_kiosk

# --- a new token, the kiosk restarted -------------------------------------------
(umask 077 && "$server" add-kiosk --db "$work/region.db" --facility F1 --name K2 \
	2>/dev/null | head -n 1 >"$work/token.new")
[ -s "$work/token.new" ] || fail "add-kiosk printed no token"
mv "$work/token.new" "$work/token"
start_kiosk "$work/trace2"
# the kept answer shows the fault at once, the first good round clears it
wait_for "home fault auth after restart" 20 in_trace "$work/trace2" "home fault auth"
wait_for "home fault none" 30 in_trace "$work/trace2" "home fault none"
[ "$(sql "$work/kiosk/blippa.db" "SELECT unauthorised FROM sync_status;")" = 0 ] ||
	fail "sync status still says unauthorised"
# the check-in kept during the fault reached the server
wait_for "the kept check-in on the server" 30 sh -c \
	"[ \"\$(sqlite3 -cmd '.timeout 10000' '$work/region.db' 'SELECT count(*) FROM events WHERE type = 0;')\" = 1 ]"
stop_kiosk
kill "$srv_pid" && wait "$srv_pid" 2>/dev/null || true
srv_pid=""
ok=1
echo "ok: 401 -> home fault auth, check-in kept; new token + restart -> home fault none"
