#!/bin/sh
# SPDX-License-Identifier: MIT
# The kiosk as deployed: fullscreen under the cage Wayland compositor
# (headless wlroots backend, pixman renderer) on SDL's Wayland driver, run as
# an unprivileged user as the systemd unit does. Checks that the window fills
# the output at 1280x720 and rotated (cage -r) at 720x1280 (the kiosk follows
# cage's configure), that every home-screen button lies inside
# it, takes a grim screenshot of the output, taps a card through the
# simulated reader and sees the result screen, and prints the kiosk's idle
# CPU and RSS on Wayland as BENCH lines.
# On Wayland the kiosk opens its own xdg-shell window (kiosk/ui/wl_window.c)
# without SDL's video subsystem: the test fails if EGL, GL or LLVM is mapped.
# A finger tap (the SDL events wl_window.c makes of wl_touch; cage 0.1.4's
# headless backend has no touch or virtual pointer device to inject real
# Wayland input) opens the search screen.
# Usage: test_kiosk_cage.sh KIOSK_BIN. Skips (77) when cage, grim or
# Xwayland is missing, or when run as root without setpriv (cage refuses
# root; the test then runs cage as "nobody").
set -eu
KIOSK=$1
. "$(dirname "$0")/../helpers/testlib.sh"

for t in cage grim Xwayland; do
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

W=$(mktemp -d /tmp/blippa-cage-XXXXXX)
CAGE=""
cleanup() {
	[ -n "$CAGE" ] && kill "$CAGE" 2>/dev/null && wait "$CAGE" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
chmod 0755 "$W"
mkdir -m 0700 "$W/run" "$W/data"
mkfifo -m 0600 "$W/ctl" "$W/reader.fifo"
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

# as_user CMD...: runs CMD as the compositor's user, in its session.
as_user() {
	$AS env -i PATH=/usr/bin:/bin HOME="$W" XDG_RUNTIME_DIR="$W/run" \
		WAYLAND_DISPLAY="$WAYLAND" "$@"
}
trace_has() { grep -q "$1" "$W/trace" 2>/dev/null; }

# start_cage ARGS...: cage with the kiosk; waits for its home screen. The
# demo roster goes into the config's data dir (--demo with --config), so the
# test has a known card; otherwise this is the unit's command line.
start_cage() {
	rm -f "$W/trace"
	$AS env -i PATH=/usr/bin:/bin HOME="$W" XDG_RUNTIME_DIR="$W/run" \
		WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
		SDL_VIDEODRIVER=wayland SDL_AUDIODRIVER=dummy \
		cage -d "$@" -- "$KIOSK" --config "$W/kiosk.ini" --demo --fullscreen \
		--control "$W/ctl" --trace "$W/trace" >"$W/cage.log" 2>&1 &
	CAGE=$!
	wait_for "the home screen under cage" 30 trace_has "present home"
	exec 3>"$W/ctl"
	WAYLAND=$(cd "$W/run" && ls wayland-* | grep -v lock | head -1)
	KPID=$(pgrep -P "$CAGE" -f "$KIOSK" | head -1) || fail "no kiosk process under cage"
	grep "INFO render: renderer" "$W/cage.log" || true
}

stop_cage() {
	echo quit >&3
	exec 3>&-
	wait_for "the kiosk to quit" 10 sh -c "! kill -0 $KPID"
	wait "$CAGE" || true
	CAGE=""
}

n=0
# check_size W H [composited]: the window, the renderer's output and the display are all
# WxH at 0,0, every drawn button lies inside, and grim's picture is WxH.
check_size() {
	n=$((n + 1))
	wait_for "the kiosk at $1x$2" 10 trace_has "resized $1x$2"
	wait_for "a frame at $1x$2" 10 sh -c "sed -n '/resized $1x$2/,\$p' '$W/trace' | grep -q 'present home'"
	echo window >&3
	echo buttons >&3
	echo "echo size-$n" >&3
	wait_for "window line $n" 10 trace_has "echo size-$n"
	line=$(grep " window " "$W/trace" | tail -1)
	echo "$1x$2: $line"
	case "$line" in
	*" window 0 0 $1 $2 output $1 $2 display "*) ;;
	*) fail "the kiosk does not fill the $1x$2 output: $line" ;;
	esac
	out=$(sed -n "/ window 0 0 $1 $2/,/echo size-$n/p" "$W/trace" | awk -v W="$1" -v H="$2" \
		'$2 == "button-at" && ($4 < 0 || $5 < 0 || $4 + $6 > W || $5 + $7 > H) { print $3 }')
	[ -z "$out" ] || fail "at $1x$2 these home-screen buttons are not inside the output: $out"
	as_user grim "$W/shot-$1x$2.png" || fail "grim could not take a screenshot"
	size=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$W/shot-$1x$2.png")
	[ "$size" = "$1x$2" ] || fail "grim's picture is $size, not $1x$2"
	# cage scans a fullscreen client's buffer out directly when the output
	# is not rotated; wlroots 0.15's screencopy then returns black on the
	# headless backend (seen with SDL's x11 driver on Xwayland as well), so
	# the picture's content is checked where cage composites (rotated).
	[ "${3:-}" = composited ] || return 0
	as_user grim -t ppm "$W/shot-$1x$2.ppm" || fail "grim could not take a PPM screenshot"
	python3 - "$W/shot-$1x$2.ppm" "$1" "$2" <<'PY' || fail "grim's picture at $1x$2 is not the home screen"
import sys
from collections import Counter
d = open(sys.argv[1], "rb").read()
magic, w, h, mx, px = d.split(maxsplit=4)
assert magic == b"P6" and (int(w), int(h)) == (int(sys.argv[2]), int(sys.argv[3]))
c = Counter(px[i:i + 3] for i in range(0, len(px), 3))
bg, n = c.most_common(1)[0]
white = c[b"\xff\xff\xff"]
print("screenshot: background %s on %d%%, %d white pixels" % (bg.hex(), 100 * n // (int(w) * int(h)), white))
# the home screen: a dark blue background over most of the picture, and
# the white card and button on it (a black or empty output fails)
sys.exit(0 if bg[2] > bg[0] + 20 and 3 * n > int(w) * int(h) and white > 1000 else 1)
PY
	if [ -n "${BLIPPA_SHOT_DIR:-}" ]; then
		mkdir -p "$BLIPPA_SHOT_DIR"
		cp "$W/shot-$1x$2.png" "$BLIPPA_SHOT_DIR/cage-home-$1x$2.png"
	fi
	return 0
}

# cage 0.1.4 (Debian 12) has no output-management protocol (wlr-randr cannot
# set a mode) and wlroots 0.15's headless output is 1280x720; `cage -r`
# rotates it into a 720x1280 portrait panel.
start_cage -r
check_size 720 1280 composited
stop_cage

start_cage
check_size 1280 720

# A card through the simulated reader: the result screen, then home again.
printf '04A1B2C3\n' >"$W/reader.fifo"
wait_for "the result screen" 10 trace_has "present result"
echo expire >&3
wait_for "home after the result" 10 sh -c "grep -n 'present ' '$W/trace' | tail -1 | grep -q 'present home'"

# Touch: cage's headless backend has no touch device, so the control channel
# pushes the SDL_FINGERDOWN/UP pair (normalised) that wl_window.c makes of
# wl_touch down/up, through the same event loop and wait.
xy=$(grep " button-at search " "$W/trace" | tail -1 | awk '{ print int($4 + $6 / 2), int($5 + $7 / 2) }')
[ -n "$xy" ] || fail "no search button on the home screen"
echo "finger $xy" >&3
wait_for "the search screen after a finger tap" 10 trace_has "present search"
echo expire >&3
wait_for "home after the search screen" 10 sh -c "grep 'present ' '$W/trace' | tail -1 | grep -q 'present home'"
# Idle: nothing happens on screen for 5 s (a measurement, not a wait).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
CPID=$CAGE # setpriv and env exec, so this is cage itself
k0=$(ticks "$KPID") c0=$(ticks "$CPID") t0=$(date +%s%N)
sleep 5
k1=$(ticks "$KPID") c1=$(ticks "$CPID") t1=$(date +%s%N)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$KPID/status")
crss=$(awk '/^VmRSS/ { print $2 }' "/proc/$CPID/status")
awk -v k=$((k1 - k0)) -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v rss="$rss" -v crss="$crss" 'BEGIN {
	printf "BENCH kiosk_wayland_idle_cpu_percent %.2f %%\n", 100 * k / hz / (ns / 1e9)
	printf "BENCH cage_idle_cpu_percent %.2f %%\n", 100 * c / hz / (ns / 1e9)
	printf "BENCH kiosk_wayland_rss_mb %.1f MB\n", rss / 1024
	printf "BENCH cage_rss_mb %.1f MB\n", crss / 1024
}'
libs=$(grep -o '/[^ ]*\.so[^ ]*' "/proc/$KPID/maps" | sort -u | xargs -n1 basename | tr '\n' ' ')
echo "kiosk libraries: $(echo "$libs" | tr ' ' '\n' | grep -E 'EGL|GL|gallium|dri|LLVM|wayland' | tr '\n' ' ')"
# SDL's Wayland window would map EGL, Mesa's swrast/llvmpipe and LLVM (libgbm
# and libwayland-egl are libSDL2's own link dependencies: small, no GL)
gl=$(echo "$libs" | tr ' ' '\n' | grep -E '^lib(EGL|GL|GLX|GLES|LLVM)|_dri\.so|gallium|swrast' | tr '\n' ' ' || true)
[ -z "$gl" ] || fail "the kiosk on Wayland maps a GL stack: $gl"

stop_cage
echo "PASS: the kiosk fills cage's output at 720x1280 and 1280x720, checks in a card, a finger tap works, no GL mapped"
