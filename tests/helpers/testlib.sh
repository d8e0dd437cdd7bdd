# SPDX-License-Identifier: MIT
# Shared shell helpers for the end-to-end and fault tests (sourced, POSIX sh).
# They start real programs (blippa-server over HTTPS with a CA made now,
# blippa-kiosk headless) and wait on conditions with deadlines, never on
# fixed sleeps.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for DESC SECONDS COMMAND...: polls COMMAND every 50 ms until it
# succeeds or the deadline passes.
wait_for() {
	_desc=$1
	_secs=$2
	shift 2
	_end=$(($(date +%s) + _secs))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || fail "timed out after ${_secs}s waiting for $_desc"
		sleep 0.05
	done
}

# "Now" for a test. Every Blippa program reads BLIPPA_CLOCK_OFFSET_MS
# (sync/common/clock.c) and adds it to the wall clock, so a test that exports
# it runs the server, blippa-sync and the kiosk at the same chosen instant
# while time still passes normally (timeouts and CLOCK_MONOTONIC waits are
# untouched). docs/reliability.md, "The suite on any date".
#
# pin_clock INSTANT: INSTANT is anything `date -d` reads; give an explicit
# UTC offset ("2027-10-31 02:30 +0100") where a local time is ambiguous.
# Exports BLIPPA_CLOCK_OFFSET_MS so that "now" is INSTANT at this moment.
pin_clock() {
	_target=$(date -d "$1" +%s) || fail "pin_clock: cannot read instant '$1'"
	_real=$(date +%s%3N)
	BLIPPA_CLOCK_OFFSET_MS=$((_target * 1000 - _real))
	export BLIPPA_CLOCK_OFFSET_MS
}

# pin_daytime: unless the test already chose its "now", pins it to 10:00
# Europe/Stockholm tomorrow (tomorrow: a clock before the build counts as
# unsure), so a roster made around "now" is the same whatever time of day
# the suite runs: its session never runs across midnight, and a kiosk
# clock shifted a few hours stays on the same day.
pin_daytime() {
	[ -n "${BLIPPA_CLOCK_OFFSET_MS:-}" ] && return 0
	pin_clock "TZ=\"Europe/Stockholm\" $(TZ=Europe/Stockholm date -d tomorrow +%F) 10:00"
}

# test_now_s: the test's "now" in Unix seconds (the real clock plus
# BLIPPA_CLOCK_OFFSET_MS, as the programs under test see it).
test_now_s() {
	echo $((($(date +%s%3N) + ${BLIPPA_CLOCK_OFFSET_MS:-0}) / 1000))
}

# local_time EPOCH_S [FORMAT]: EPOCH_S as Europe/Stockholm local time
# (default format: the roster's "YYYY-MM-DD HH:MM").
local_time() {
	TZ=Europe/Stockholm date -d "@$1" "+${2:-%Y-%m-%d %H:%M}"
}

# make_roster DIR N: a roster for facility F1 (Europe/Stockholm) with one
# group G1 whose session runs from 30 minutes before the test's "now"
# (test_now_s) to 60 minutes after it, and N participants T0000001.. with
# cards 04000001.. (hex), all members.
make_roster() {
	_dir=$1
	_n=$2
	mkdir -p "$_dir"
	_now=$(test_now_s)
	_start=$(local_time $((_now - 1800)))
	_end=$(local_time $((_now + 3600)))
	# the period holds the session's start and end days (it may run
	# across midnight)
	_first=$(local_time $((_now - 1800)) %Y-%m-%d)
	_last=$(local_time $((_now + 3600)) %Y-%m-%d)
	printf 'facility_id,name,timezone\nF1,Testhallen,Europe/Stockholm\n' >"$_dir/facilities.csv"
	printf 'group_id,facility_id,name,period_start,period_end\nG1,F1,Styrka,%s,%s\n' \
		"$_first" "$_last" >"$_dir/groups.csv"
	printf 'session_id,group_id,start,end\nS1,G1,%s,%s\n' "$_start" "$_end" >"$_dir/sessions.csv"
	printf 'leader_id,facility_id,name,card_uid\nL1,F1,Kim Lind,04FFEE01\n' >"$_dir/leaders.csv"
	awk -v n="$_n" -v d="$_dir" 'BEGIN {
		print "participant_id,given_name,family_name,card_uid" > (d "/participants.csv")
		print "group_id,participant_id" > (d "/members.csv")
		for (i = 1; i <= n; i++) {
			printf "T%07d,Testa,Person%d,04%06X\n", i, i, i > (d "/participants.csv")
			printf "G1,T%07d\n", i > (d "/members.csv")
		}
	}'
}

# start_server SERVER_BIN DB PKI_DIR LOG_DIR: serves DB over HTTPS on a free
# loopback port; sets srv_pid and port.
start_server() {
	: >"$4/serve.out" # a restart must not read the previous server's port
	"$1" serve --db "$2" --listen 127.0.0.1:0 --cert "$3/server.pem" \
		--key "$3/server-key.pem" >"$4/serve.out" 2>"$4/serve.err" &
	srv_pid=$!
	wait_for "server to listen" 20 grep -q "listening on" "$4/serve.out"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$4/serve.out" | head -n 1)
	[ -n "$port" ] || fail "server printed no port"
}

# write_kiosk_config FILE DATA_DIR PORT TOKEN_FILE CA_FILE FIFO
write_kiosk_config() {
	cat >"$1" <<EOF
[kiosk]
data_dir = $2
fullscreen = no
result_seconds = 2
[server]
url = https://127.0.0.1:$3
token_file = $4
ca_file = $5
sync_interval_s = 5
[reader]
device = sim:$6
EOF
}

# fault_workdir NAME: a fresh work dir in $work; on exit kills $kiosk_pid and
# $srv_pid and removes the dir only if the test set ok=1 (else keeps it).
fault_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/blippa-$1.XXXXXX")
	srv_pid=""
	kiosk_pid=""
	trap fault_cleanup EXIT
}
fault_cleanup() {
	[ -n "$kiosk_pid" ] && kill -9 "$kiosk_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
	if [ "${ok:-0}" = 1 ]; then rm -rf "$work"; else echo "kept $work"; fi
}

# setup_region SERVER SYNC SRC N: test CA, a roster of N card holders
# (make_roster), region DB, kiosk token, HTTPS server (srv_pid, port), kiosk
# config $work/kiosk.ini with sim:$work/taps, and a first roster pull.
# Sets db to the kiosk's database path. "Now" is pin_daytime's unless the
# test pinned its own before.
setup_region() {
	pin_daytime
	sh "$3/tests/helpers/make-test-ca.sh" "$work/pki" >/dev/null 2>&1 || fail "make-test-ca"
	make_roster "$work/roster" "$4"
	"$1" init --db "$work/region.db" >/dev/null
	"$1" import --db "$work/region.db" "$work/roster" >/dev/null || fail "import"
	(umask 077 && "$1" add-kiosk --db "$work/region.db" --facility F1 --name K \
		2>/dev/null | head -n 1 >"$work/token")
	start_server "$1" "$work/region.db" "$work/pki" "$work"
	write_kiosk_config "$work/kiosk.ini" "$work/kiosk" "$port" "$work/token" \
		"$work/pki/ca.pem" "$work/taps"
	"$2" --config "$work/kiosk.ini" once >/dev/null 2>"$work/sync0.err" || fail "roster pull"
	db=$work/kiosk/blippa.db
}
