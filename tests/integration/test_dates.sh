#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole journey at a chosen instant (issue 12, "green on any date"):
# import -> serve over HTTPS -> roster pull -> kiosk card taps and a name
# check-in -> sync -> export, with every program's clock pinned to INSTANT
# (pin_clock in testlib.sh: BLIPPA_CLOCK_OFFSET_MS, read by clock.c). ctest
# runs it at the calendar's awkward instants in Europe/Stockholm (the DST
# gap, the repeated autumn hour, New Year, 29 February, a session across
# midnight): tests/dates.cmake.
#
# The roster: facility F1 (Europe/Stockholm), group G1 whose period covers
# the session's days, session S1 from START to END (local "YYYY-MM-DD HH:MM"),
# members P1 (card 04D10001), P2 (card 04D10002), P3 (no card; checks in by
# name: "Örjan Ärlig") and P4 (absent), plus an earlier session S0 of G1 a
# week before, which nobody attended.
#
# Checked in the export (not just exit codes): one row per member for S1
# with session_start = START; P1 and P2 present by card, P3 present by name,
# P4 absent; each checked_in_at is the local time (Stockholm) of a moment
# between pinning the clock and the end of the kiosk run; S0's rows are all
# absent. The instants are checked first: INSTANT must lie inside S1.
#
# Usage: test_dates.sh SERVER SYNC KIOSK SOURCE_DIR INSTANT START END
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
instant=$5
start=$6
end=$7
. "$src/tests/helpers/testlib.sh"

fault_workdir dates
export BLIPPA_LOG=info LC_ALL=C.UTF-8 TZ=UTC

# --- the instant and the roster -------------------------------------------
pin_clock "$instant"
t0=$(test_now_s)
s_start=$(TZ=Europe/Stockholm date -d "$start" +%s) || fail "bad START '$start'"
s_end=$(TZ=Europe/Stockholm date -d "$end" +%s) || fail "bad END '$end'"
[ "$s_start" -le "$t0" ] && [ "$t0" -lt "$s_end" ] ||
	fail "the instant $instant ($(local_time "$t0" '%F %T %Z')) is not inside $start - $end"
echo "now: $(local_time "$t0" '%F %T %Z') (offset ${BLIPPA_CLOCK_OFFSET_MS} ms); S1 $start - $end"

roster=$work/roster
mkdir -p "$roster"
first=$(local_time $((s_start - 7 * 86400)) %Y-%m-%d)
last=$(local_time "$s_end" %Y-%m-%d)
s0_start=$(local_time $((s_start - 7 * 86400)))
s0_end=$(local_time $((s_start - 7 * 86400 + 3600)))
cat >"$roster/facilities.csv" <<EOF
facility_id,name,timezone
F1,Testhallen,Europe/Stockholm
EOF
cat >"$roster/groups.csv" <<EOF
group_id,facility_id,name,period_start,period_end
G1,F1,Styrka,$first,$last
EOF
cat >"$roster/sessions.csv" <<EOF
session_id,group_id,start,end
S0,G1,$s0_start,$s0_end
S1,G1,$start,$end
EOF
cat >"$roster/participants.csv" <<EOF
participant_id,given_name,family_name,card_uid
P1,Åsa,Östberg,04D10001
P2,Karl,Ek,04D10002
P3,Örjan,Ärlig,
P4,Märta,Berg,
EOF
cat >"$roster/members.csv" <<EOF
group_id,participant_id
G1,P1
G1,P2
G1,P3
G1,P4
EOF
cat >"$roster/leaders.csv" <<EOF
leader_id,facility_id,name,card_uid
L1,F1,Kim Lind,04FFEE01
EOF

# --- region server, kiosk config, roster pull ------------------------------
sh "$src/tests/helpers/make-test-ca.sh" "$work/pki" >/dev/null 2>&1 || fail "make-test-ca"
"$server" init --db "$work/region.db" >/dev/null 2>"$work/admin.err" || fail "init"
"$server" import --db "$work/region.db" "$roster" >/dev/null 2>>"$work/admin.err" ||
	fail "import: $(cat "$work/admin.err")"
(umask 077 && "$server" add-kiosk --db "$work/region.db" --facility F1 --name K \
	2>>"$work/admin.err" | head -n 1 >"$work/token")
start_server "$server" "$work/region.db" "$work/pki" "$work"
write_kiosk_config "$work/kiosk.ini" "$work/kiosk" "$port" "$work/token" \
	"$work/pki/ca.pem" "$work/taps"
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync1.err" ||
	fail "roster pull: $(cat "$work/sync1.err")"

# --- the kiosk: two card taps and a name check-in ------------------------------
trace=$work/kiosk.trace
mkfifo "$work/control"
: >"$trace"
SDL_VIDEODRIVER=offscreen SDL_RENDER_DRIVER=software SDL_AUDIODRIVER=dummy \
	"$kiosk" --config "$work/kiosk.ini" --windowed --trace "$trace" \
	--control "$work/control" >/dev/null 2>"$work/kiosk.err" &
kiosk_pid=$!
exec 8<>"$work/control"
wait_for "the kiosk's reader" 20 grep -q "reader ready" "$trace"
exec 9<>"$work/taps"
count_lines() { [ "$(grep -c -E "$2" "$1" || true)" -ge "$3" ]; }
# home N: the kiosk came back to the home screen at least N times ("expire"
# ends the result screen's timer on the UI thread's next tick)
home() { count_lines "$trace" ' screen [a-z_-]+ -> home' "$1"; }
printf '04D10001\n' >&9
wait_for "P1's card check-in" 20 count_lines "$trace" ' checkin .* ok card' 1
printf 'expire\n' >&8
wait_for "home after P1" 20 home 2
printf '04d10002\n' >&9
wait_for "P2's card check-in" 20 count_lines "$trace" ' checkin .* ok card' 2
printf 'expire\n' >&8
wait_for "home after P2" 20 home 3
printf '%s\n' "press search" "type orj" "press row-0" "press yes" "echo names-done" >&8
wait_for "the name check-in" 20 grep -q "echo names-done" "$trace"
grep -q " checkin .* ok name" "$trace" || fail "no name check-in: $(grep -E 'checkin|search|tap' "$trace" | tail -n 5)"
printf 'quit\n' >&8
wait_for "the kiosk to quit" 20 sh -c "! kill -0 $kiosk_pid 2>/dev/null || grep -q '^[^ ]* [^ ]* [^ ]* Z' /proc/$kiosk_pid/stat"
wait "$kiosk_pid" || fail "kiosk exit status $?"
kiosk_pid=""
t1=$(test_now_s)

# --- push and export --------------------------------------------------------------
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync2.err" ||
	fail "push: $(cat "$work/sync2.err")"
"$server" export --db "$work/region.db" --facility F1 --from "$first" --to "$last" \
	>"$work/export.csv" 2>>"$work/admin.err" || fail "export: $(cat "$work/admin.err")"

# the local minutes a check-in may carry: from t0 to t1, one per minute
: >"$work/minutes"
t=$((t0 - t0 % 60))
while [ "$t" -le "$t1" ]; do
	local_time "$t" >>"$work/minutes"
	t=$((t + 60))
done

# row P STATUS METHOD: S1's row for participant P has that status and
# method, and a check-in time among the possible minutes ("" when absent)
row() {
	r=$(grep "^F1,G1,S1,$start,$1," "$work/export.csv") || fail "no S1 row for $1 in: $(cat "$work/export.csv")"
	[ "$(echo "$r" | wc -l)" -eq 1 ] || fail "more than one S1 row for $1: $r"
	st=$(echo "$r" | cut -d, -f8)
	at=$(echo "$r" | cut -d, -f9)
	how=$(echo "$r" | cut -d, -f10)
	[ "$st" = "$2" ] || fail "$1: status $st, want $2 ($r)"
	[ "$how" = "$3" ] || fail "$1: method '$how', want '$3' ($r)"
	if [ "$2" = present ]; then
		grep -qxF "$at" "$work/minutes" || fail "$1: checked_in_at '$at' is not a local minute in $(tr '\n' ' ' <"$work/minutes")($r)"
	else
		[ -z "$at" ] || fail "$1: absent with a check-in time ($r)"
	fi
}
row P1 present card
row P2 present card
row P3 present name
row P4 absent ""
[ "$(grep -c "^F1,G1,S1," "$work/export.csv")" -eq 4 ] || fail "S1 has not exactly 4 rows"
[ "$(grep -c "^F1,G1,S0,$s0_start,.*,absent,," "$work/export.csv")" -eq 4 ] ||
	fail "S0 (a week earlier) is not 4 absent rows: $(grep '^F1,G1,S0' "$work/export.csv")"
echo "dates: at $(local_time "$t0" '%F %T %Z'), S1 $start - $end: 3 check-ins (2 card, 1 name) in the export, 1 absent; S0 all absent"
ok=1
