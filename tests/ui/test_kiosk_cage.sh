#!/bin/sh
# SPDX-License-Identifier: MIT
# The kiosk as deployed: fullscreen under the cage Wayland compositor
# (headless wlroots backend, pixman renderer) on the kiosk's own Wayland
# window, run as an unprivileged user as the systemd unit does. Checks that
# the very first frame is at the output's size, that the window fills the
# output at 1280x720 and rotated (cage -r) at 720x1280, that every
# home-screen button lies inside it, takes a grim screenshot of the output,
# taps a card through the simulated reader and sees the result screen, and
# prints the kiosk's idle CPU and RSS on Wayland as BENCH lines; it fails if
# EGL, GL or LLVM is mapped (the kiosk does not use SDL's video subsystem on
# Wayland). A finger tap opens the search screen (cage 0.1.4's headless
# backend has no touch or virtual pointer device to inject real Wayland
# input: the control channel pushes the SDL events wl_input.c makes).
# 1920x1080 and a physical keyboard: test_kiosk_sway.sh (cage 0.1.4 cannot
# change its output's mode nor take a virtual keyboard).
# Usage: test_kiosk_cage.sh KIOSK_BIN. Skips (77) when cage, grim or
# Xwayland is missing, or when run as root without setpriv.
set -eu
KIOSK=$1
. "$(dirname "$0")/../helpers/testlib.sh"
. "$(dirname "$0")/kiosk_wayland.sh"
wl_setup cage Xwayland
KLOG=$W/cage.log

# start_cage ARGS...: cage with the kiosk; waits for its home screen.
start_cage() {
	rm -f "$W/trace"
	WAYLAND=""
	as_user_bg WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
		SDL_VIDEODRIVER=wayland SDL_AUDIODRIVER=dummy \
		cage -d "$@" -- "$KIOSK" --config "$W/kiosk.ini" --demo --fullscreen \
		--control "$W/ctl" --trace "$W/trace" >"$W/cage.log" 2>&1
	COMP=$BG
	wait_for "the kiosk under cage" 30 trace_has "present "
	WAYLAND=$(cd "$W/run" && ls wayland-* | grep -v lock | head -1)
	KPID=$(pgrep -P "$COMP" -f "$KIOSK" | head -1) || fail "no kiosk process under cage"
}

stop_cage() {
	wl_kiosk_quit
	wait "$COMP" || true
	COMP=""
}

# cage 0.1.4 (Debian 12) has no output-management protocol (wlr-randr cannot
# set a mode) and wlroots 0.15's headless output is 1280x720; `cage -r`
# rotates it into a 720x1280 portrait panel. cage scans a fullscreen
# client's buffer out directly when the output is not rotated; wlroots
# 0.15's screencopy then returns black on the headless backend, so the
# picture's content is checked where cage composites (rotated).
start_cage -r
wl_kiosk_up 720 1280
check_size 720 1280 composited
stop_cage

start_cage
wl_kiosk_up 1280 720
check_size 1280 720
wl_card
wl_finger search search
echo expire >&3
wl_home
wl_idle_bench kiosk_wayland cage
stop_cage
echo "PASS: the kiosk's first frame fills cage's output at 720x1280 and 1280x720, checks in a card, a finger tap works, no GL mapped"
