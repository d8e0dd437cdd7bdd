#!/bin/sh
# SPDX-License-Identifier: MIT
# The kiosk's own Wayland window at 1920x1080 and with a physical keyboard,
# under sway (headless wlroots backend, pixman renderer, as an unprivileged
# user): what cage 0.1.4 cannot show, as it can neither set its headless
# output's mode nor take a virtual keyboard. The same checks as
# test_kiosk_cage.sh (tests/ui/kiosk_wayland.sh): the first frame is at the
# output's 1920x1080, the window fills the output and every home-screen button
# lies inside it, grim's picture. A card through the simulated reader shows
# the result screen; on the search screen, wtype (zwp_virtual_keyboard_v1,
# its own XKB keymap) types a name through wl_keyboard, which wl_input.c
# turns into SDL_KEYDOWN/SDL_TEXTINPUT: the search finds it, BackSpace
# widens it again, a held BackSpace repeats, Escape goes home; a leader's
# PIN and Return open leader mode. Idle CPU and RSS at 1920x1080 as BENCH
# lines; fails if GL is mapped. Then the output's mode changes to 1280x720
# under the running kiosk (swaymsg) and it follows.
# Usage: test_kiosk_sway.sh KIOSK_BIN. Skips (77) when sway, swaymsg, wtype
# or grim is missing, or when run as root without setpriv.
set -eu
KIOSK=$1
. "$(dirname "$0")/../helpers/testlib.sh"
. "$(dirname "$0")/kiosk_wayland.sh"
wl_setup sway swaymsg wtype
KLOG=$W/kiosk.log
SHOT_PREFIX=sway

cat >"$W/sway.conf" <<EOF
xwayland disable
default_border none
output HEADLESS-1 mode 1920x1080
EOF
[ -n "$AS" ] && chown nobody:nogroup "$W/sway.conf"
WAYLAND=""
as_user_bg WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
	sway -c "$W/sway.conf" >"$W/sway.log" 2>&1
COMP=$BG
sway_up() { ls "$W/run" | grep -q '^wayland-[0-9]*$' && ls "$W/run" | grep -q '^sway-ipc\.'; }
wait_for "sway's sockets" 20 sway_up
WAYLAND=$(ls "$W/run" | grep '^wayland-[0-9]*$' | head -1)
IPC=$(ls "$W/run"/sway-ipc.* | head -1)

as_user_bg SDL_VIDEODRIVER=wayland SDL_AUDIODRIVER=dummy "$KIOSK" --config "$W/kiosk.ini" \
	--demo --fullscreen --control "$W/ctl" --trace "$W/trace" >"$W/kiosk.log" 2>&1
KPID=$BG
wl_kiosk_up 1920 1080
check_size 1920 1080 composited

wl_card

# A keyboard: sway's seat has one only while a virtual keyboard exists, and
# keys sent before the kiosk has bound wl_keyboard are lost. So one wtype
# holds a keyboard (its 60 s pause, ended by the test) while the kiosk
# binds it and receives a keymap; a second types.
wl_finger search search
# wtype reads its text as UTF-8 (mbstowcs)
typist() { as_user LC_ALL=C.UTF-8 wtype "$@"; }
as_user_bg LC_ALL=C.UTF-8 wtype -s 60000 x >/dev/null 2>&1
WL_PIDS=$BG
wait_for "the kiosk's keyboard keymap" 10 grep -q "wayland keyboard: keymap" "$W/kiosk.log"
# "Åsa": two of the demo roster today; "Åsa Öst": one; BackSpace x2: two
last_search() { grep -E '^[0-9]+ search [0-9]' "$W/trace" | tail -1 | grep -q " search $1 distinct"; }
typist "Åsa" || fail "wtype could not type"
wait_for "the search for Åsa typed on the keyboard" 10 last_search 2
typist " Öst" || fail "wtype could not type"
wait_for "the search for Åsa Öst" 10 last_search 1
typist -k BackSpace -k BackSpace || fail "wtype could not press BackSpace"
wait_for "the search widened by BackSpace" 10 last_search 2
# BackSpace held 2 s repeats (sway: after 600 ms, 25 a second) and
# empties "Åsa Ö"; then "Lars" finds one (after "Åsa " it would find none)
typist -P BackSpace -s 2000 -p BackSpace || fail "wtype could not hold BackSpace"
typist Lars || fail "wtype could not type"
wait_for "Lars after a held BackSpace emptied the query" 10 last_search 1
typist -k Escape || fail "wtype could not press Escape"
wl_home

# at 1920x1080 with a keymap: the RSS of a full-HD kiosk
wl_idle_bench kiosk_sway sway
# a leader's PIN (the demo's 1234) typed on the keyboard, Return
wl_finger leader leader-pin
typist 1234 || fail "wtype could not type"
typist -k Return || fail "wtype could not press Return"
wait_for "leader mode after the typed PIN" 10 trace_has "screen leader-pin -> leader-sessions"
echo expire >&3
wl_home
kill "$WL_PIDS" 2>/dev/null || true
wait "$WL_PIDS" 2>/dev/null || true
WL_PIDS=""

as_user swaymsg -s "$IPC" output HEADLESS-1 mode 1280x720 >/dev/null ||
	fail "swaymsg could not set the output's mode"
wait_for "the kiosk to follow the new mode" 10 trace_has "resized 1280x720"
check_size 1280 720 composited
wl_kiosk_quit
echo "PASS: under sway the kiosk's first frame fills 1920x1080, it follows a mode change to 1280x720, checks in a card, takes typing from a keyboard, no GL mapped"
