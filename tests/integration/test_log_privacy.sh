#!/bin/sh
# SPDX-License-Identifier: MIT
# Log privacy test (issue 7, docs/operations.md §8): runs a full scenario with every log
# turned up to debug, then searches every line any program wrote for the
# test roster's names, card UIDs, participant ids, the kiosk token and the
# leader PIN. None may appear.
#
# Scenario: test CA -> blippa-server init/import/add-kiosk/set-pin -> serve
# (HTTPS, 127.0.0.1) -> blippa-sync once (roster pull) -> blippa-kiosk
# headless (SDL offscreen) with [reader] device = sim:FIFO: taps of known,
# lower-case, unknown, random-UID and leader cards; through --control a name
# search, check-in by name and undo, leader PIN login (wrong PIN first),
# roster, manual check-in and undo, sync status -> quit -> blippa-sync once
# (push) and status ->
# server list-kiosks and export -> SIGTERM to the server.
#
# What is searched ("logs"): stderr of every command, stdout of the daemons
# (serve, kiosk), of blippa-sync and of list-kiosks, and the kiosk's
# --trace channel. Not searched: the outputs that ARE the data by design
# (add-kiosk's token line on stdout, export's CSV on stdout).
#
# The clock is pinned (BLIPPA_CLOCK_OFFSET_MS) inside S1 of tests/data/roster,
# so the test passes on any date.
#
# Usage: test_log_privacy.sh SERVER_BIN SYNC_BIN KIOSK_BIN SOURCE_DIR
# Exit 77 (ctest: skipped) when a binary or helper is missing.
# BLIPPA_TEST_KEEP=1 keeps the work directory (logs, databases) afterwards.
set -eu

server=$1
sync=$2
kiosk=$3
src=$4
roster=$src/tests/data/roster
mkca=$src/tests/helpers/make-test-ca.sh
pin=918273 # distinctive: cannot occur by chance in timestamps or counts

skip() {
	echo "SKIP: $*"
	exit 77
}
for b in "$server" "$sync" "$kiosk"; do
	[ -x "$b" ] || skip "$b is not built yet"
done
[ -f "$mkca" ] || skip "$mkca missing"
[ -d "$roster" ] || skip "$roster missing"
command -v python3 >/dev/null || skip "python3 missing"
command -v openssl >/dev/null || skip "openssl missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/blippa-privacy.XXXXXX")
logs=$work/logs
mkdir -p "$logs" "$work/kiosk"
srv_pid=""
kiosk_pid=""
cleanup() {
	[ -n "$kiosk_pid" ] && kill -9 "$kiosk_pid" 2>/dev/null || true
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null || true
	if [ "${keep:-0}" = 1 ] || [ -n "${BLIPPA_TEST_KEEP:-}" ]; then
		echo "kept $work for inspection"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
keep=1 # until the end: keep the evidence if anything fails

# fail, wait_for (deadline polls, no fixed sleeps) and pin_clock
. "$src/tests/helpers/testlib.sh"

# "Now" is part of the set-up: the fixed roster's session S1 (group G1 at
# F1) runs 2026-11-23 10:00-11:00 Stockholm time, so every program below
# (server, blippa-sync, kiosk) runs at 10:20 that day, whatever the date.
pin_clock "2026-11-23 10:20 +0100"

export BLIPPA_LOG=debug
export LC_ALL=C.UTF-8

# --- region server -----------------------------------------------------
sh "$mkca" "$work/pki" 2>>"$logs/make-ca.err" || fail "make-test-ca.sh failed"
db=$work/region.db
"$server" init --db "$db" >>"$logs/admin.out" 2>>"$logs/admin.err" || fail "init"
"$server" import --db "$db" "$roster" >>"$logs/admin.out" 2>>"$logs/admin.err" ||
	fail "import (see $logs/admin.err)"
"$server" add-kiosk --db "$db" --facility F1 --name "Privacy test kiosk" \
	>"$work/token.out" 2>>"$logs/admin.err" || fail "add-kiosk"
token=$(head -n 1 "$work/token.out")
[ ${#token} -ge 32 ] || fail "add-kiosk printed no token"
echo "$pin" | "$server" set-pin --db "$db" --leader L1 >>"$logs/admin.out" 2>>"$logs/admin.err" ||
	fail "set-pin"

"$server" serve --db "$db" --listen 127.0.0.1:0 --cert "$work/pki/server.pem" \
	--key "$work/pki/server-key.pem" >"$logs/serve.out" 2>"$logs/serve.err" &
srv_pid=$!
wait_for "server to listen" 20 grep -q "listening on" "$logs/serve.out"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$logs/serve.out" | head -n 1)
[ -n "$port" ] || fail "no port in: $(cat "$logs/serve.out")"

# --- kiosk config --------------------------------------------------------
(umask 077 && printf '%s\n' "$token" >"$work/token")
fifo=$work/taps
cat >"$work/kiosk.ini" <<EOF
[kiosk]
data_dir = $work/kiosk
language = sv
fullscreen = no
result_seconds = 2
[server]
url = https://127.0.0.1:$port
token_file = $work/token
ca_file = $work/pki/ca.pem
sync_interval_s = 5
[reader]
device = sim:$fifo
EOF

"$sync" --config "$work/kiosk.ini" once >"$logs/sync-1.out" 2>"$logs/sync-1.err" ||
	fail "first blippa-sync once (see $logs/sync-1.err)"

# --- kiosk, headless -------------------------------------------------------
trace=$logs/kiosk.trace
control=$work/control
mkfifo "$control"
: >"$trace"
SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-offscreen} SDL_AUDIODRIVER=dummy \
	"$kiosk" --config "$work/kiosk.ini" --windowed --size 1080x1920 \
	--trace "$trace" --control "$control" >"$logs/kiosk.out" 2>"$logs/kiosk.err" &
kiosk_pid=$!
exec 8<>"$control" # keep the control FIFO open (never blocks: read-write)
wait_for "the kiosk to create its reader FIFO" 20 test -p "$fifo"
exec 9<>"$fifo"

# tap UID and wait until the kiosk traced its outcome (tap or checkin line)
taps=0
tap() {
	taps=$((taps + 1))
	printf '%s\n' "$1" >&9
	wait_for "outcome of tap $taps" 20 \
		sh -c "[ \$(grep -c -E '^(.* )?(checkin .* card|tap |leader login card)' '$trace') -ge $taps ]"
	printf 'expire\n' >&8 # back home for the next tap
}
tap 04A1B2C3 # P1 (card)
tap 04a1b2c4 # P3, lower case
tap 04A1B2C3 # P1 again: already checked in
tap 04DEAD99 # unknown card
tap 08123456 # random UID (phone)
tap 04A1B2C5 # P5: not in a group of F1's kiosk roster -> unknown here
tap 04FFEE01 # leader card -> leader mode
printf 'expire\n' >&8
printf 'echo after-taps\n' >&8
wait_for "control barrier" 20 grep -q "echo after-taps" "$trace"

# name search on the on-screen keyboard, check-in by name and undo; then
# leader mode by PIN (a wrong one first): sessions, roster, manual check-in,
# sync status, log out. Commands run on the UI thread in order; "echo" is a
# barrier that shows they all ran.
control() {
	printf '%s\n' "$@" >&8
}
control "press search" "type orj" "press row-0" "press yes" "press undo" "expire" \
	"echo after-search"
wait_for "search barrier" 20 grep -q "echo after-search" "$trace"
control "press leader" "press pin-0" "press pin-0" "press pin-0" "press pin-0" "press pin-ok"
# the PIN is verified on a worker thread and the pad ignores input meanwhile
wait_for "the wrong PIN's answer" 30 grep -q "pin wrong" "$trace"
control "press pin-clear"
for d in $(echo "$pin" | sed 's/./& /g'); do
	control "press pin-$d"
done
control "press pin-ok"
wait_for "leader PIN login" 30 grep -q "leader login pin" "$trace"
control "press session-0" "press checkin-0" "press undo-0" "press back" \
	"press status" "press back" "press logout" "echo after-leader"
wait_for "leader barrier" 30 grep -q "echo after-leader" "$trace"
control "expire" "quit"

wait_for "kiosk to exit" 20 sh -c "! kill -0 $kiosk_pid"
wait "$kiosk_pid" || fail "kiosk exited with an error (see $logs/kiosk.err)"
kiosk_pid=""
# the scenario must really have happened, or the search below proves nothing
grep -q "checkin .* card" "$trace" || fail "no card check-in in the trace"
grep -q "checkin .* name" "$trace" || fail "no name check-in in the trace"
grep -q "leader login pin" "$trace" || fail "no leader PIN login in the trace"

# --- push, status, server side ---------------------------------------------
"$sync" --config "$work/kiosk.ini" once >"$logs/sync-2.out" 2>"$logs/sync-2.err" ||
	fail "second blippa-sync once (see $logs/sync-2.err)"
"$sync" --config "$work/kiosk.ini" status >"$logs/status.out" 2>"$logs/status.err" ||
	fail "blippa-sync status"
grep -q "pending events: *0" "$logs/status.out" || fail "events still pending after sync"
"$server" list-kiosks --db "$db" >"$logs/list-kiosks.out" 2>>"$logs/admin.err" || fail "list-kiosks"
"$server" export --db "$db" --facility F1 >"$work/export.csv" 2>>"$logs/admin.err" || fail "export"
kill -TERM "$srv_pid"
wait_for "server to stop" 20 sh -c "! kill -0 $srv_pid"
wait "$srv_pid" || fail "server exited with an error on SIGTERM"
srv_pid=""

# --- the search ----------------------------------------------------------------
python3 - "$roster" "$logs" "$token" "$pin" <<'PY' || fail "personal data found in logs"
import csv, os, re, sys, unicodedata

roster, logs, token, pin = sys.argv[1:5]
secrets = {}  # text -> what it is

def add(kind, value):
    value = value.strip()
    if value:
        secrets[value] = kind

def rows(name):
    with open(os.path.join(roster, name), newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))

for r in rows("participants.csv"):
    add("given name", r["given_name"])
    add("family name", r["family_name"])
    add("full name", r["given_name"] + " " + r["family_name"])
    add("participant id", r["participant_id"])
    uid = r["card_uid"].strip()
    if uid:
        add("card uid", uid)
for r in rows("leaders.csv"):
    add("leader name", r["name"])
    uid = r["card_uid"].strip()
    if uid:
        add("card uid", uid)
add("token", token)
add("token prefix", token[:16])
add("PIN", pin)
for extra in ("04DEAD99", "08123456"):  # tapped unknown / random cards
    add("card uid", extra)

def variants(text, kind):
    out = {text, text.lower(), text.upper()}
    if kind == "card uid":
        u = text.upper()
        pairs = [u[i:i + 2] for i in range(0, len(u), 2)]
        for sep in (":", " ", "-"):
            out.add(sep.join(pairs))
            out.add(sep.join(pairs).lower())
    # names without diacritics too ("Asa" for "Åsa")
    plain = "".join(c for c in unicodedata.normalize("NFD", text)
                    if unicodedata.category(c) != "Mn")
    out.add(plain)
    return out

patterns = []
for text, kind in secrets.items():
    for v in variants(text, kind):
        # whole word: "Ek" must not match "Eken" or "check"
        patterns.append((kind, text, re.compile(
            r"(?<![0-9A-Za-zÅÄÖåäö])" + re.escape(v) + r"(?![0-9A-Za-zÅÄÖåäö])",
            re.IGNORECASE)))

hits = 0
lines = 0
for name in sorted(os.listdir(logs)):
    with open(os.path.join(logs, name), encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            lines += 1
            for kind, text, rx in patterns:
                if rx.search(line):
                    hits += 1
                    print(f"LEAK {name}:{no}: {kind} {text!r}: {line.rstrip()[:200]}")
                    break
print(f"searched {lines} log lines in {len(os.listdir(logs))} files for "
      f"{len(secrets)} secrets ({len(patterns)} patterns): {hits} hits")
sys.exit(1 if hits else 0)
PY

grep -q "rejected events: *0" "$logs/status.out" || fail "the server rejected events"
keep=0
echo "PASS: no names, card UIDs, participant ids, token or PIN in $(cat "$logs"/* | wc -l) log lines"
