#!/bin/sh
# SPDX-License-Identifier: MIT
# The kiosk fills exactly the display it is on when nothing else places it:
# `blippa-kiosk --config FILE` (fullscreen by default) on a bare X server with
# no window manager (the xinit/startx kiosk) must make a window at 0,0 of the
# display's size, and the renderer must lay out for that size. Checked with
# the kiosk's own "window" control command and with xwininfo, at two display
# sizes. Usage: test_kiosk_window.sh KIOSK_BIN. Skips (77) without Xvfb.
set -eu
KIOSK=$1
. "$(dirname "$0")/../helpers/testlib.sh"

command -v xvfb-run >/dev/null && command -v Xvfb >/dev/null || {
	echo "SKIP: xvfb-run/Xvfb not installed"
	exit 77
}
command -v xwininfo >/dev/null || {
	echo "SKIP: xwininfo (x11-utils) not installed"
	exit 77
}

W=$(mktemp -d /tmp/blippa-window-XXXXXX)
trap 'rm -rf "$W"' EXIT

# One run inside the X server: start the kiosk, ask where its window is,
# quit. Runs under xvfb-run (no window manager).
cat >"$W/inside.sh" <<'EOF'
set -eu
K=$1 W=$2
rm -f "$W/trace"
mkfifo "$W/ctl.$$"
SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy "$K" --config "$W/kiosk.ini" \
	--control "$W/ctl.$$" --trace "$W/trace" 2>"$W/stderr" &
pid=$!
exec 3>"$W/ctl.$$"
end=$(($(date +%s) + 20))
until grep -q "present home" "$W/trace" 2>/dev/null; do
	[ "$(date +%s)" -lt "$end" ] || { echo "kiosk did not come up"; cat "$W/stderr"; exit 1; }
	sleep 0.05
done
echo window >&3
until grep -q "^[0-9]* window " "$W/trace"; do
	[ "$(date +%s)" -lt "$end" ] || { echo "no window line"; exit 1; }
	sleep 0.05
done
xwininfo -root -tree | grep '"Blippa"' >"$W/xwininfo" || true
echo quit >&3
exec 3>&-
wait "$pid"
EOF

cat >"$W/kiosk.ini" <<EOF
[kiosk]
data_dir = $W
language = sv
[reader]
device = none
EOF

for size in 1280x800 1024x600; do
	w=${size%x*} h=${size#*x}
	xvfb-run -a -s "-screen 0 ${size}x24" sh "$W/inside.sh" "$KIOSK" "$W" ||
		fail "kiosk run on a ${size} display failed"
	line=$(grep "^[0-9]* window " "$W/trace" | tail -1)
	echo "$size: $line"
	echo "$size: $(cat "$W/xwininfo")"
	case "$line" in
	*" window 0 0 $w $h output $w $h display $w $h") ;;
	*) fail "on a ${size} display without a window manager: $line" ;;
	esac
	grep -q " ${w}x${h}+0+0 " "$W/xwininfo" ||
		fail "X says the kiosk window is not ${w}x${h}+0+0: $(cat "$W/xwininfo")"
done
echo "PASS: the fullscreen kiosk fills the display exactly without a window manager"
