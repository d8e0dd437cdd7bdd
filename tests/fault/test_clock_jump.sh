#!/bin/sh
# SPDX-License-Identifier: MIT
# Wall clock jumps (issue 7). The kiosk reads BLIPPA_CLOCK_OFFSET_MS once per
# process (sync/common/clock.c), so each run below is one kiosk process
# whose wall clock is shifted; the server's clock is not. The roster has one
# session S1 from 30 minutes ago to 60 minutes from now (check-in opens 60
# minutes before the start).
#   run 1, clock right:        three taps -> three check-ins for S1;
# The kiosk learns the server's time at every heartbeat against the
# monotonic clock of this boot (sync/store/store_clock.c, issue 13); the
# roster pull in setup_region already did one, so every run below knows it.
#   run 2, clock 1 h back      (an NTP step / RTC reset between runs):
#     three new cards -> check-ins for S1 stamped with the server's time
#     and the device's own time beside it, a run-1 card -> "already";
#     `blippa-sync status` shows the skew the kiosk's sync thread measured
#     from the server's heartbeat answer (about +3600000 ms);
#   run 3, clock 2 h back: S1 (the running session), not open training;
#   run 4, clock 2 h ahead: S1 at the server's time; skew about -2 h; after
#     the final sync the export has the tap present in S1 at that time;
#   run 5, clock 3 h back after a sync: S1 at the server's time;
#   run 6, clock 3 h back and no sync since boot (BLIPPA_BOOT_ID, no server
#     reachable): recorded unsure; the final blippa-sync
#     (same boot) corrects its time and the server re-resolves it into S1.
# Order: within each run the UUIDv7 ids follow the local seq order (the
# generator is monotonic within a process); what holds across runs is the
# local seq order, asserted here. Finally everything reaches the server once.
# Usage: test_clock_jump.sh SERVER SYNC KIOSK SOURCE_DIR
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
. "$src/tests/helpers/testlib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 CLI missing (scripts/install-deps)"

fault_workdir clock

sql() { sqlite3 -cmd ".timeout 10000" "$@"; }
count_lines() { [ "$(grep -c "$2" "$1" || true)" -ge "$3" ]; }
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

setup_region "$server" "$sync" "$src" 20

# kiosk_run N OFFSET_MS: starts the kiosk with its clock shifted by
# OFFSET_MS from the test's "now" (setup_region pinned it to 10:00, so
# three hours back is still the same day); trace.N
kiosk_run() {
	trace=$work/trace.$1
	: >"$trace"
	BLIPPA_CLOCK_OFFSET_MS=$((BLIPPA_CLOCK_OFFSET_MS + $2)) SDL_VIDEODRIVER=offscreen SDL_RENDER_DRIVER=software \
		SDL_AUDIODRIVER=dummy "$kiosk" --config "${kiosk_ini:-$work/kiosk.ini}" --windowed \
		--trace "$trace" >/dev/null 2>"$work/kiosk.$1.err" &
	kiosk_pid=$!
	wait_for "kiosk run $1: reader ready" 20 grep -q "reader ready" "$trace"
	exec 9<>"$work/taps"
}
kiosk_quit() {
	kill -TERM "$kiosk_pid"
	wait_for "kiosk to quit" 20 gone "$kiosk_pid"
	wait "$kiosk_pid" || fail "kiosk exit status $?"
	kiosk_pid=""
	exec 9>&-
}
tap() { printf '%s\n' "$1" >&9; }
max_seq() { sql "$db" "SELECT coalesce(max(seq), 0) FROM events;"; }
# ids_in_seq_order_sorted FROM_SEQ: the run's ids in seq order are ascending
ids_ordered() {
	sql "$db" "SELECT id FROM events WHERE seq > $1 ORDER BY seq;" >"$work/ids.seq"
	LC_ALL=C sort "$work/ids.seq" >"$work/ids.sorted"
	cmp -s "$work/ids.seq" "$work/ids.sorted"
}
skew_ms() { "$sync" --config "$work/kiosk.ini" status | sed -n 's/^clock skew: *\([-+0-9]*\) ms.*/\1/p'; }
# skew_about MS: the status shows a skew within 2 minutes of MS
skew_about() {
	s=$(skew_ms)
	[ -n "$s" ] && [ "$s" -gt $(($1 - 120000)) ] && [ "$s" -lt $(($1 + 120000)) ]
}

# run 1: the clock is right
seq0=$(max_seq)
kiosk_run 1 0
for c in 04000001 04000002 04000003; do tap "$c"; done
wait_for "3 check-ins (run 1)" 20 count_lines "$trace" ' checkin .* ok card' 3
kiosk_quit
ids_ordered "$seq0" || fail "run 1: ids not in seq order"
seq1=$(max_seq)
run1_min_at=$(sql "$db" "SELECT min(at_ms) FROM events WHERE seq > $seq0;")

# run 2: an hour back (an NTP step / RTC reset between runs). The kiosk
# learned the server's time at the roster pull against this boot's
# monotonic clock, so the events carry the server's time and keep the
# device's own time beside it (issue 13)
kiosk_run 2 -3600000
for c in 04000004 04000005 04000006; do tap "$c"; done
wait_for "3 check-ins (run 2)" 20 count_lines "$trace" ' checkin .* ok card' 3
tap 04000001
wait_for "already checked in (run 2)" 20 grep -q "tap already" "$trace"
# the kiosk's sync thread measured the skew from the server's heartbeat
wait_for "skew of about +1 h in blippa-sync status" 30 skew_about 3600000
skew=$(skew_ms)
kiosk_quit
ids_ordered "$seq1" || fail "run 2: ids not in seq order"
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq1 AND session_id = 'S1';")" -eq 3 ] ||
	fail "run 2: the three check-ins are not for S1"
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq1 AND at_ms >= $run1_min_at AND abs(at_ms - device_ms - 3600000) < 120000;")" -eq 3 ] ||
	fail "run 2: the events do not carry the corrected time and the device's time beside it"
seq2=$(max_seq)

# run 3: two hours back - without the correction before S1's window (the
# participant at the running session got open training); now S1
kiosk_run 3 -7200000
tap 04000007
wait_for "check-in (run 3)" 20 grep -q "tap-done ok" "$trace"
kiosk_quit
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq2 AND type = 0 AND session_id = 'S1' AND abs(at_ms - device_ms - 7200000) < 120000;")" -eq 1 ] ||
	fail "run 3: the check-in is not for S1 at the corrected time"

# run 4: two hours ahead (an RTC running fast), after a sync: without the
# correction after S1's end; now S1 at the server's time, in the export
seq3=$(max_seq)
kiosk_run 4 7200000
before=$(local_time "$(test_now_s)")
tap 04000008
wait_for "check-in (run 4)" 20 grep -q "tap-done ok" "$trace"
after=$(local_time "$(test_now_s)")
wait_for "skew of about -2 h in blippa-sync status" 30 skew_about -7200000
skew4=$(skew_ms)
kiosk_quit
ids_ordered "$seq2" || fail "runs 3-4: ids not in seq order"
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq3 AND type = 0 AND session_id = 'S1' AND abs(device_ms - at_ms - 7200000) < 120000;")" -eq 1 ] ||
	fail "run 4: the check-in is not for S1 at the corrected time"

# run 5: three hours back, after a sync: S1 at the server's time
seq4=$(max_seq)
kiosk_run 5 -10800000
tap 04000009
wait_for "check-in (run 5)" 20 grep -q "tap-done ok" "$trace"
kiosk_quit
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq4 AND type = 0 AND session_id = 'S1' AND abs(at_ms - device_ms - 10800000) < 120000;")" -eq 1 ] ||
	fail "run 5: the -3 h check-in is not for S1 at the corrected time"

# run 6: three hours back with no sync since boot (a new boot id, and no
# server to reach): the clock is earlier than the newest event, so the tap
# is recorded as unsure (its session a guess by its own clock: S1 "later
# today"); blippa-sync in the same boot learns the server's time, corrects
# it, and the server resolves its session again: S1, at the corrected time,
# in the export
write_kiosk_config "$work/offline.ini" "$work/kiosk" 9 "$work/token" "$work/pki/ca.pem" "$work/taps"
seq5=$(max_seq)
BLIPPA_BOOT_ID=test-boot-6
export BLIPPA_BOOT_ID
kiosk_ini=$work/offline.ini
kiosk_run 6 -10800000
before6=$(local_time "$(test_now_s)")
tap 0400000A
wait_for "check-in (run 6)" 20 grep -q "tap-done ok" "$trace"
after6=$(local_time "$(test_now_s)")
grep -q "clock unsure" "$trace" || fail "run 6: the clock was not unsure"
kiosk_quit
kiosk_ini=$work/kiosk.ini
[ "$(sql "$db" "SELECT count(*) FROM events WHERE seq > $seq5 AND type = 0 AND clock_unsure = 1 AND participant_id = 'T0000010';")" -eq 1 ] ||
	fail "run 6: the tap is not recorded as unsure"

# every event reaches the server once
"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync1.err" || fail "final sync"
sql "$db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/local_ids"
sql "$work/region.db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/server_ids"
cmp -s "$work/local_ids" "$work/server_ids" || fail "server and kiosk hold different check-ins"
[ -z "$(uniq -d "$work/server_ids")" ] || fail "duplicates on the server"
# the +2 h tap is in the export: S1, present, at the server's local time
"$server" export --db "$work/region.db" >"$work/export.csv" || fail "export"
row=$(grep '^F1,G1,S1,.*,T0000008,' "$work/export.csv") || fail "no export row for card 8"
case "$row" in
*",present,$before,card,"* | *",present,$after,card,"*) ;;
*) fail "export row for card 8 is not present at $before..$after: $row" ;;
esac
# the unsure -3 h tap, re-resolved by the server: S1, at the corrected time
row=$(grep '^F1,G1,S1,.*,T0000010,' "$work/export.csv") || fail "no export row for card 10"
case "$row" in
*",present,$before6,card,"* | *",present,$after6,card,"*) ;;
*) fail "export row for card 10 is not present at $before6..$after6: $row" ;;
esac
echo "clock jumps: 6 runs (0, -1 h, -2 h, +2 h, -3 h after a sync, -3 h unsure and re-resolved by the server), $(wc -l <"$work/local_ids") check-ins in seq order," \
	"at the server's time with the device's beside it, skew shown $skew ms (-1 h) and $skew4 ms (+2 h)," \
	"all on the server once, the +2 h tap present in S1 in the export"
ok=1
