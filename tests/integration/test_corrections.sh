#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13.5 and 13.6 end to end: the real blippa-server over HTTPS (a CA
# made now), blippa-sync and the real kiosk (offscreen), driven through its
# control FIFO. Roster: group G1 with 7 members, today's session S1 and S0
# three days ago.
#   1. Offline, T1 and T2 tap in to S1. The region then takes T2 out of G1;
#      the push gets T2's check-in rejected ("participant not in group").
#   2. The leader's view: the header count and the ticks agree (1 of 6).
#   3. The region puts T2 back: the rejected check-in still does not count
#      (1 of 7, T2 unticked), and the status screen names it.
#   4. A correction three days back: Earlier sessions -> S0 -> check T3 in by
#      hand; it syncs and `blippa-server export` has T3 present in S0, method
#      leader.
# Usage: test_corrections.sh SERVER SYNC KIOSK SOURCE_DIR
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
. "$src/tests/helpers/testlib.sh"

fault_workdir corrections
sh "$src/tests/helpers/make-test-ca.sh" "$work/pki" >/dev/null 2>&1 || fail "make-test-ca"
make_roster "$work/roster" 7
now=$(test_now_s)
past=$((now - 3 * 86400))
past_day=$(local_time "$past" %Y-%m-%d)
# the period reaches back to S0; S0 lasts an hour, three days ago
printf 'group_id,facility_id,name,period_start,period_end\nG1,F1,Styrka,%s,%s\n' \
	"$past_day" "$(local_time $((now + 3600)) %Y-%m-%d)" >"$work/roster/groups.csv"
printf 'S0,G1,%s,%s\n' "$(local_time "$past")" "$(local_time $((past + 3600)))" \
	>>"$work/roster/sessions.csv"
cp -r "$work/roster" "$work/roster-without-t2"
grep -v ',T0000002$' "$work/roster/members.csv" >"$work/roster-without-t2/members.csv"

"$server" init --db "$work/region.db" >/dev/null
"$server" import --db "$work/region.db" "$work/roster" >/dev/null || fail "import"
(umask 077 && "$server" add-kiosk --db "$work/region.db" --facility F1 --name K \
	2>/dev/null | head -n 1 >"$work/token")
start_server "$server" "$work/region.db" "$work/pki" "$work"
write_kiosk_config "$work/kiosk.ini" "$work/kiosk" "$port" "$work/token" \
	"$work/pki/ca.pem" "$work/taps"
# the same kiosk with no server to reach (port 9 on loopback: discard)
write_kiosk_config "$work/offline.ini" "$work/kiosk" 9 "$work/token" \
	"$work/pki/ca.pem" "$work/taps"
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync0.err" || fail "roster pull"
db=$work/kiosk/blippa.db
mkfifo "$work/control"

count_lines() { [ "$(grep -c -E "$2" "$1" || true)" -ge "$3" ]; }
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
# kiosk_run N INI: starts the kiosk; trace.N; control on fd 8
kiosk_run() {
	trace=$work/trace.$1
	: >"$trace"
	SDL_VIDEODRIVER=offscreen SDL_RENDER_DRIVER=software SDL_AUDIODRIVER=dummy \
		"$kiosk" --config "$2" --windowed --trace "$trace" --control "$work/control" \
		>/dev/null 2>"$work/kiosk.$1.err" &
	kiosk_pid=$!
	exec 8<>"$work/control"
	wait_for "kiosk run $1: reader ready" 20 grep -q "reader ready" "$trace"
}
ctl() { printf '%s\n' "$@" >&8; }
kiosk_quit() {
	ctl quit
	wait_for "kiosk to quit" 20 gone "$kiosk_pid"
	wait "$kiosk_pid" || fail "kiosk exit status $?"
	kiosk_pid=""
	exec 8>&-
}
# leader_roster N: leader card, today's first session; the roster line
leader_roster() {
	ctl "tap 04FFEE01"
	wait_for "leader mode" 20 grep -q -- "-> leader-sessions" "$trace"
	ctl "press session-0"
	wait_for "the roster" 20 grep -q " roster [0-9]*/[0-9]* header" "$trace"
	grep " roster [0-9]*/[0-9]* header" "$trace" | tail -n 1 | sed 's/^[0-9]* //'
}

# 1. offline: T1 and T2 check in to S1
kiosk_run 1 "$work/offline.ini"
ctl "tap 04000001"
wait_for "T1's check-in" 20 count_lines "$trace" ' checkin .* ok card' 1
ctl expire "tap 04000002"
wait_for "T2's check-in" 20 count_lines "$trace" ' checkin .* ok card' 2
kiosk_quit
"$server" import --db "$work/region.db" "$work/roster-without-t2" >/dev/null || fail "import 2"
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync1.err" || fail "push: $(cat "$work/sync1.err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM events WHERE sync = 2 AND participant_id = 'T0000002';")" = 1 ] ||
	fail "T2's check-in was not rejected"

# 2. the header and the ticks agree: one of the six members
kiosk_run 2 "$work/kiosk.ini"
line=$(leader_roster)
[ "$line" = "roster 1/6 header 1/6" ] || fail "after the rejection: $line"
kiosk_quit

# 3. T2 back in the group: the rejected check-in still does not count
"$server" import --db "$work/region.db" "$work/roster" >/dev/null || fail "import 3"
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync2.err" || fail "pull"
kiosk_run 3 "$work/kiosk.ini"
line=$(leader_roster)
[ "$line" = "roster 1/7 header 1/7" ] || fail "T2 back in G1: $line"
ctl "press back" "press status"
wait_for "the status screen" 20 grep -q " rejected .* named" "$trace"

# 4. a correction three days back: T3 in S0 by hand
ctl "press back" "press earlier"
wait_for "the earlier sessions" 20 grep -q " history 1$" "$trace"
ctl "press past-0"
wait_for "S0's roster" 20 grep -q " roster 0/7 header 0/7 past" "$trace"
ctl "press checkin-2"
wait_for "T3 checked in by hand" 20 grep -q " checkin .* ok leader" "$trace"
wait_for "S0's roster again" 20 grep -q " roster 1/7 header 1/7 past" "$trace"
kiosk_quit
[ "$(sqlite3 "$db" "SELECT count(*) FROM events WHERE participant_id = 'T0000003' AND session_id = 'S0' AND method = 2;")" = 1 ] ||
	fail "no leader check-in of T3 in S0"
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync3.err" || fail "push 2"
"$server" export --db "$work/region.db" --from "$past_day" --to "$past_day" >"$work/export.csv" ||
	fail "export"
grep -q '^F1,G1,S0,.*,T0000003,.*,present,.*,leader,' "$work/export.csv" ||
	fail "the correction is not in the export: $(cat "$work/export.csv")"
[ "$(grep -c '^F1,G1,S0,.*,present,' "$work/export.csv")" -eq 1 ] || fail "S0 has other present rows"
echo "corrections: header = ticks after a rejection (1/6, then 1/7 with T2 back);" \
	"a leader check-in 3 days back ($past_day) reached the export"
ok=1
