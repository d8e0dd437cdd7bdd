#!/bin/sh
# SPDX-License-Identifier: MIT
# The kiosk's systemd unit (config/blippa-kiosk.service) exercised as far as
# a container without a running systemd allows:
#  1. `systemd-analyze verify` of the unit: exit 0 and not one warning.
#  2. The unit's own command line (ExecStart= and Environment= read from the
#     file; only the kiosk binary and the config path are swapped for the
#     built ones) started under a small supervisor loop that honours the
#     unit's Restart= and RestartSec= (no, always, on-success, on-failure,
#     on-abnormal and on-abort by exit status). The test kills the kiosk with SIGKILL (a crash): cage ends
#     with it, and the supervisor must start both again, no sooner than
#     RestartSec, and the new kiosk must come up.
#  3. With strace: the same command line once more, a card tapped through
#     the simulated reader, then stopped with SIGTERM; every system call
#     cage and the kiosk made must lie inside the unit's SystemCallFilter=
#     set (expanded with `systemd-analyze syscall-filter`).
# What this is not: systemd itself (User=, PAMName=, TTYPath=, the sandbox
# options, StateDirectory=) does not run here; cage runs headless as
# "nobody" like test_kiosk_cage.sh. Usage: test_kiosk_unit.sh KIOSK_BIN
# UNIT_FILE. Skips (77) without systemd-analyze, cage or Xwayland, or as
# root without setpriv; step 3 is left out (said so) without strace.
set -eu
KIOSK=$1
UNIT=$2
. "$(dirname "$0")/../helpers/testlib.sh"

for t in systemd-analyze cage Xwayland; do
	command -v $t >/dev/null || {
		echo "SKIP: $t not installed (scripts/install-deps)"
		exit 77
	}
done
AS=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || {
		echo "SKIP: root without setpriv: no unprivileged user to run cage"
		exit 77
	}
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi

W=$(mktemp -d /tmp/blippa-unit-XXXXXX)
SUP=""
# kill_tree PID: PID and every process under it (only what this test started;
# other tests may run the same kiosk binary at the same time).
kill_tree() {
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null || true
}
cleanup() {
	touch "$W/stop" 2>/dev/null || true
	[ -f "$W/cage.pid" ] && kill_tree "$(cat "$W/cage.pid")"
	[ -n "$SUP" ] && wait "$SUP" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# ---- 1. systemd-analyze verify: clean ----
out=$(systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
echo "verify: clean"

# ---- 2. the unit's command line under a supervisor ----
key() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
EXEC=$(key ExecStart)
RESTART=$(key Restart)
RESTART_SEC=$(key RestartSec)
UNIT_ENV=$(sed -n 's/^Environment=//p' "$UNIT" | tr '\n' ' ')
[ -n "$EXEC" ] && [ -n "$RESTART" ] && [ -n "$RESTART_SEC" ] ||
	fail "the unit lacks ExecStart=, Restart= or RestartSec="
case "$RESTART_SEC" in *[!0-9]*) fail "RestartSec=$RESTART_SEC: only plain seconds are read here" ;; esac
case "$EXEC" in
*/usr/bin/blippa-kiosk*/etc/blippa/kiosk.ini*) ;;
*) fail "ExecStart= does not run /usr/bin/blippa-kiosk with /etc/blippa/kiosk.ini: $EXEC" ;;
esac
CMD=$(printf '%s\n' "$EXEC" | sed "s|/usr/bin/blippa-kiosk|$KIOSK|; s|/etc/blippa/kiosk.ini|$W/kiosk.ini|")
echo "unit: Restart=$RESTART RestartSec=$RESTART_SEC Environment=$UNIT_ENV"
echo "command: $CMD"

chmod 0755 "$W"
mkdir -m 0700 "$W/run" "$W/data"
mkfifo -m 0600 "$W/reader.fifo"
cat >"$W/kiosk.ini" <<EOF
[kiosk]
data_dir = $W/data
language = sv
result_seconds = 2
[reader]
device = sim:$W/reader.fifo
EOF
[ -n "$AS" ] && chown -R nobody:nogroup "$W"
$AS test -x "$KIOSK" || {
	echo "SKIP: $KIOSK is not executable by the unprivileged user"
	exit 77
}

# run_unit [WRAPPER...]: the unit's command line as the unprivileged user,
# with the unit's Environment= and the headless wlroots backend; cage's pid
# goes to $W/cage.pid (setpriv and env exec, so $! is cage; with a wrapper
# it is the wrapper's).
run_unit() {
	# shellcheck disable=SC2086 # word splitting of the unit's lines is intended
	"$@" $AS env -i PATH=/usr/bin:/bin HOME="$W" XDG_RUNTIME_DIR="$W/run" \
		WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
		SDL_AUDIODRIVER=dummy ${EXTRA_ENV:-} $UNIT_ENV $CMD >>"$W/kiosk.log" 2>&1 &
	echo $! >"$W/cage.pid"
	wait $! || return $?
}

# supervise: what systemd does with Restart= and RestartSec= (sleeping
# RestartSec is the behaviour under test, not a wait of the test). Each
# start and each exit status is appended to $W/starts.
supervise() {
	while :; do
		echo "start $(date +%s%N)" >>"$W/starts"
		rc=0
		run_unit || rc=$?
		echo "exit $rc $(date +%s%N)" >>"$W/starts"
		[ -f "$W/stop" ] && return 0
		sig=0
		[ "$rc" -gt 128 ] && sig=1
		case "$RESTART" in
		always) ;;
		on-success) [ "$rc" -eq 0 ] || return 0 ;;
		on-failure) [ "$rc" -ne 0 ] || return 0 ;;
		on-abnormal | on-abort) [ "$sig" -eq 1 ] || return 0 ;;
		*) return 0 ;; # no
		esac
		sleep "$RESTART_SEC"
	done
}

started() { [ "$(grep -c 'INFO kiosk: started' "$W/kiosk.log" 2>/dev/null)" -ge "$1" ]; }
kiosk_pid() { pgrep -P "$(cat "$W/cage.pid")" -f "$KIOSK" | head -1; }

supervise &
SUP=$!
wait_for "the kiosk to start under cage" 30 started 1
K1=$(kiosk_pid) || fail "no kiosk process under cage"
kill -9 "$K1"
wait_for "the supervisor to see cage end" 10 grep -q '^exit' "$W/starts"
wait_for "the kiosk to start again" 30 started 2
K2=$(kiosk_pid) || fail "no kiosk process under the restarted cage"
[ "$K2" != "$K1" ] || fail "the same kiosk process is still there"
gap=$(awk '/^exit/ { e = $3 } /^start/ && e { s = $2 } END { print int((s - e) / 1e6) }' "$W/starts")
[ "$gap" -ge $((RESTART_SEC * 1000)) ] || fail "restarted after $gap ms, before RestartSec=$RESTART_SEC"
echo "restart: kiosk $K1 killed, cage ended ($(grep '^exit' "$W/starts" | head -1 | cut -d' ' -f2)), new kiosk $K2 after $gap ms"
touch "$W/stop"
kill "$K2"
wait "$SUP" || true
SUP=""
rm -f "$W/stop" "$W/cage.pid"

# ---- 3. system calls inside SystemCallFilter= ----
FILTER=$(key SystemCallFilter)
if ! command -v strace >/dev/null; then
	echo "NOTE: strace not installed: the system-call check is left out"
elif [ -z "$FILTER" ]; then
	echo "NOTE: the unit has no SystemCallFilter=: nothing to check"
else
	# expand GROUP: every system call name in a filter group, recursively.
	expand() {
		systemd-analyze syscall-filter "$1" | sed 's/#.*//' | awk 'NF { print $1 }' | tail -n +2 |
			while read -r s; do
				case "$s" in
				@*) expand "$s" ;;
				*) echo "$s" ;;
				esac
			done
	}
	for g in $FILTER; do
		case "$g" in
		~*) fail "deny-list filters are not read here: $g" ;;
		@*) expand "$g" ;;
		*) echo "$g" ;;
		esac
	done | sort -u >"$W/allowed"
	: >"$W/kiosk.log"
	EXTRA_ENV=BLIPPA_LOG=debug run_unit strace -f -qq -c -o "$W/strace.txt" &
	RUN=$!
	wait_for "the kiosk to start under strace" 60 started 1
	printf '04A1B2C3\n' >"$W/reader.fifo" # a card nobody has: the reader, store and screen paths
	wait_for "the kiosk to take the tap" 10 grep -q "sim: tap (4-byte uid)" "$W/kiosk.log"
	C=$(pgrep -P "$(cat "$W/cage.pid")" | head -1) # strace's child: cage
	K=$(pgrep -P "$C" -f "$KIOSK" | head -1) || fail "no kiosk process under strace"
	kill "$K"
	wait "$RUN" || true
	awk '/^-----/ { n++; next } n == 1 && NF { print $NF }' "$W/strace.txt" | sort -u >"$W/used"
	[ -s "$W/used" ] || fail "strace recorded no system calls"
	outside=$(comm -23 "$W/used" "$W/allowed" | tr '\n' ' ')
	echo "system calls: $(wc -l <"$W/used") used by cage and the kiosk, filter $FILTER"
	[ -z "$outside" ] || fail "system calls outside SystemCallFilter=$FILTER: $outside"
fi
echo "PASS: the unit verifies clean, its command line restarts after a crash, its system calls fit its filter"
