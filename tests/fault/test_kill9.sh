#!/bin/sh
# SPDX-License-Identifier: MIT
# Durability under kill -9 (issue 7): the real kiosk (headless) gets bursts of
# card taps on its sim: FIFO while its sync thread pushes to the real server;
# it is killed with SIGKILL at a random moment in each round. Afterwards:
#   - every check-in whose confirmation the kiosk traced (the trace line is
#     written only after COMMIT) is in the kiosk's database,
#   - PRAGMA integrity_check is ok,
#   - after `blippa-sync once` the server holds every local check-in exactly
#     once (and nothing else).
# Usage: test_kill9.sh SERVER SYNC KIOSK SOURCE_DIR ROUNDS TAPS_PER_ROUND
set -eu
server=$1
sync=$2
kiosk=$3
src=$4
rounds=$5
per=$6
. "$src/tests/helpers/testlib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 CLI missing (scripts/install-deps)"

fault_workdir kill9

setup_region "$server" "$sync" "$src" $((rounds * per))

: >"$work/confirmed"
r=1
while [ "$r" -le "$rounds" ]; do
	trace=$work/trace.$r
	: >"$trace"
	SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy "$kiosk" --config "$work/kiosk.ini" \
		--windowed --trace "$trace" >/dev/null 2>"$work/kiosk.$r.err" &
	kiosk_pid=$!
	wait_for "reader ready" 20 grep -q "reader ready" "$trace"
	# kill after a random number (0..per-1) of confirmations, while the rest
	# of the burst is still being processed
	stop_after=$(awk -v s="$r$$" -v p="$per" 'BEGIN { srand(s); print int(rand() * p) }')
	awk -v a=$(((r - 1) * per + 1)) -v b=$((r * per)) \
		'BEGIN { for (i = a; i <= b; i++) printf "04%06X\n", i }' >"$work/burst.$r"
	exec 9<>"$work/taps"
	cat "$work/burst.$r" >&9
	wait_for "$stop_after confirmations" 30 \
		sh -c "[ \$(grep -c '^[0-9]* checkin ' '$trace') -ge $stop_after ]"
	kill -9 "$kiosk_pid"
	wait "$kiosk_pid" 2>/dev/null || true
	kiosk_pid=""
	exec 9>&-
	rm -f "$work/taps" # a fresh FIFO each round: no taps left from a dead kiosk
	grep '^[0-9]* checkin ' "$trace" | awk '{print $3}' >>"$work/confirmed"
	r=$((r + 1))
done

n_confirmed=$(wc -l <"$work/confirmed")
[ "$n_confirmed" -gt 0 ] || fail "no confirmed check-ins at all: the scenario did not run"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || fail "integrity_check failed"
sqlite3 "$db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/local_ids"
sort "$work/confirmed" >"$work/confirmed.sorted"
missing=$(comm -23 "$work/confirmed.sorted" "$work/local_ids" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing confirmed check-ins are missing from the kiosk database"

"$sync" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync1.err" || fail "final sync"
sqlite3 "$work/region.db" "SELECT id FROM events WHERE type = 0;" | sort >"$work/server_ids"
dups=$(uniq -d "$work/server_ids" | wc -l)
[ "$dups" -eq 0 ] || fail "$dups duplicate events on the server"
cmp -s "$work/local_ids" "$work/server_ids" ||
	fail "server and kiosk hold different check-ins ($(wc -l <"$work/server_ids") vs $(wc -l <"$work/local_ids"))"
echo "kill -9: $rounds rounds, $n_confirmed confirmed check-ins, $(wc -l <"$work/local_ids") stored, all on the server once"
ok=1
