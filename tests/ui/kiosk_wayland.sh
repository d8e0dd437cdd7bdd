# SPDX-License-Identifier: MIT
# Shared by test_kiosk_cage.sh and test_kiosk_sway.sh (sourced, POSIX sh,
# after testlib.sh): the real kiosk on its own Wayland window
# (kiosk/ui/wl_window.c) under a headless wlroots compositor (pixman
# renderer) run as an unprivileged user, as the systemd unit does. Checks on
# the kiosk's trace through its control channel, grim screenshots, a card
# through the simulated reader, idle CPU and RSS as BENCH lines, and no GL.
# The caller sets KIOSK, calls wl_setup, starts its compositor with the
# kiosk (as_user_bg), sets COMP (the compositor's pid), KPID, KLOG (the
# kiosk's output) and WAYLAND and calls
# wl_kiosk_up; wl_cleanup (its EXIT trap) ends what is still running (and
# the pids in WL_PIDS).

# wl_setup TOOL...: skips (77) when a TOOL or grim is missing, or when run as
# root without setpriv (wlroots compositors refuse root; the test then runs
# them as "nobody"). Makes W with a kiosk.ini, a control FIFO and a reader
# FIFO, all the unprivileged user's. Pins the clock at the next 10:00
# Europe/Stockholm, as every UI test does (the demo roster's sessions are
# today's then, whatever the hour the test runs).
wl_setup() {
	for t in "$@" grim; do
		command -v "$t" >/dev/null || {
			echo "SKIP: $t not installed (scripts/install-deps)"
			exit 77
		}
	done
	AS=""
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || {
			echo "SKIP: root without setpriv: no unprivileged user to run the compositor"
			exit 77
		}
		AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	fi
	# from the clock the kiosk reads: env -i drops a libfaketime LD_PRELOAD
	# of the test's own (scripts/time-sweep), as it does for the kiosk
	_ms=$(env -i date +%s%3N)
	_d=$(env -i TZ=Europe/Stockholm date -d "@$((_ms / 1000))" +%Y-%m-%d)
	[ "$(env -i TZ=Europe/Stockholm date -d "@$((_ms / 1000))" +%H)" -lt 10 ] ||
		_d=$(env -i date -d "$_d +1 day" +%Y-%m-%d)
	_t=$(env -i date -d "TZ=\"Europe/Stockholm\" $_d 10:00" +%s)
	BLIPPA_CLOCK_OFFSET_MS=$((_t * 1000 - _ms))
	export BLIPPA_CLOCK_OFFSET_MS
	W=$(mktemp -d /tmp/blippa-wl-XXXXXX)
	COMP=""
	KPID=""
	WL_PIDS=""
	trap wl_cleanup EXIT
	chmod 0755 "$W"
	mkdir -m 0700 "$W/run" "$W/data"
	mkfifo -m 0600 "$W/ctl" "$W/reader.fifo"
	cat >"$W/kiosk.ini" <<EOT
[kiosk]
data_dir = $W/data
language = sv
result_seconds = 2
[reader]
device = sim:$W/reader.fifo
EOT
	[ -n "$AS" ] && chown -R nobody:nogroup "$W"
	$AS test -x "$KIOSK" || {
		echo "SKIP: $KIOSK is not executable by the unprivileged user"
		exit 77
	}
}

wl_cleanup() {
	for p in $WL_PIDS $KPID; do
		kill "$p" 2>/dev/null
	done
	[ -n "$COMP" ] && kill "$COMP" 2>/dev/null && wait "$COMP" 2>/dev/null
	rm -rf "$W"
}

# as_user CMD...: runs CMD as the compositor's user, in its session (empty
# WAYLAND: before the compositor is up), with the pinned clock and the
# sanitizers' options of an ASan/UBSan run (scripts/run-tests).
as_user() {
	$AS env -i PATH=/usr/bin:/bin HOME="$W" XDG_RUNTIME_DIR="$W/run" \
		BLIPPA_CLOCK_OFFSET_MS="$BLIPPA_CLOCK_OFFSET_MS" WAYLAND_DISPLAY="${WAYLAND:-}" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" LSAN_OPTIONS="${LSAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@"
}
# as_user_bg CMD...: as_user in the background; BG is CMD's own pid (setpriv
# and env exec).
as_user_bg() {
	$AS env -i PATH=/usr/bin:/bin HOME="$W" XDG_RUNTIME_DIR="$W/run" \
		BLIPPA_CLOCK_OFFSET_MS="$BLIPPA_CLOCK_OFFSET_MS" WAYLAND_DISPLAY="${WAYLAND:-}" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" LSAN_OPTIONS="${LSAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@" &
	BG=$!
}
trace_has() { grep -q "$1" "$W/trace" 2>/dev/null; }
# wl_kiosk_up W H: waits for the kiosk's home screen and opens its control
# channel on fd 3. Its very first frame must already be at the output's
# size W x H (the compositor's first configure, not 1280x800).
wl_kiosk_up() {
	wait_for "the kiosk's home screen" 30 trace_has "present home"
	[ "$(readlink "/proc/$KPID/exe")" = "$(readlink -f "$KIOSK")" ] ||
		fail "pid $KPID is not the kiosk"
	exec 3>"$W/ctl"
	first=$(grep -m1 " present " "$W/trace")
	case "$first" in
	*" present home "*" size=$1x$2") echo "first frame: $first" ;;
	*) fail "the first frame is not at the output's $1x$2: $first" ;;
	esac
}

# wl_kiosk_quit: the kiosk quits (control channel); fails when its output
# (KLOG) holds a sanitizer's report.
wl_kiosk_quit() {
	echo quit >&3
	exec 3>&-
	wait_for "the kiosk to quit" 10 sh -c "! kill -0 $KPID"
	KPID=""
	! grep -E "Sanitizer|runtime error:" "$KLOG" || fail "the kiosk's sanitizer report above"
}

n=0
# check_size W H [composited]: a home frame at WxH; the window, the
# renderer's output and the display are all WxH at 0,0, every drawn button
# lies inside, and grim's picture is WxH (with composited: and shows the
# home screen).
check_size() {
	n=$((n + 1))
	wait_for "a home frame at $1x$2" 10 trace_has "present home .* size=$1x$2\$"
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
		cp "$W/shot-$1x$2.png" "$BLIPPA_SHOT_DIR/${SHOT_PREFIX:-cage}-home-$1x$2.png"
	fi
	return 0
}

# wl_card: a card through the simulated reader shows the result screen,
# then home again.
wl_card() {
	printf '04A1B2C3\n' >"$W/reader.fifo"
	wait_for "the result screen" 10 trace_has "present result"
	echo expire >&3
	wl_home
}

# wl_finger BUTTON SCREEN: the SDL_FINGERDOWN/UP pair (normalised) that
# wl_input.c makes of wl_touch down/up, pushed through the control channel
# (the headless backends have no touch device) on the home screen's BUTTON:
# SCREEN is presented.
wl_finger() {
	xy=$(grep " button-at $1 " "$W/trace" | tail -1 | awk '{ print int($4 + $6 / 2), int($5 + $7 / 2) }')
	[ -n "$xy" ] || fail "no $1 button on the home screen"
	echo "finger $xy" >&3
	wait_for "the $2 screen after a finger tap" 10 trace_has "present $2 "
}

# wl_home: the kiosk's last frame is the home screen.
wl_home() {
	wait_for "home again" 10 sh -c "grep 'present ' '$W/trace' | tail -1 | grep -q 'present home'"
}

# wl_idle_bench KIOSK_NAME COMPOSITOR_NAME: nothing happens on screen for
# 5 s (a measurement, not a wait); BENCH lines for the kiosk's and the
# compositor's CPU and RSS. Then fails when the kiosk maps a GL stack.
wl_idle_bench() {
	ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
	hz=$(getconf CLK_TCK)
	k0=$(ticks "$KPID") c0=$(ticks "$COMP") t0=$(date +%s%N)
	sleep 5
	k1=$(ticks "$KPID") c1=$(ticks "$COMP") t1=$(date +%s%N)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$KPID/status")
	crss=$(awk '/^VmRSS/ { print $2 }' "/proc/$COMP/status")
	awk -v k=$((k1 - k0)) -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) -v rss="$rss" \
		-v crss="$crss" -v kn="$1" -v cn="$2" 'BEGIN {
		printf "BENCH %s_idle_cpu_percent %.2f %%\n", kn, 100 * k / hz / (ns / 1e9)
		printf "BENCH %s_idle_cpu_percent %.2f %%\n", cn, 100 * c / hz / (ns / 1e9)
		printf "BENCH %s_rss_mb %.1f MB\n", kn, rss / 1024
		printf "BENCH %s_rss_mb %.1f MB\n", cn, crss / 1024
	}'
	libs=$(grep -o '/[^ ]*\.so[^ ]*' "/proc/$KPID/maps" | sort -u | xargs -n1 basename | tr '\n' ' ')
	echo "kiosk libraries: $(echo "$libs" | tr ' ' '\n' | grep -E 'EGL|GL|gallium|dri|LLVM|wayland|xkb' | tr '\n' ' ')"
	# SDL's Wayland window would map EGL, Mesa's swrast/llvmpipe and LLVM
	# (libgbm and libwayland-egl are libSDL2's own link dependencies: small,
	# no GL)
	gl=$(echo "$libs" | tr ' ' '\n' | grep -E '^lib(EGL|GL|GLX|GLES|LLVM)|_dri\.so|gallium|swrast' | tr '\n' ' ' || true)
	[ -z "$gl" ] || fail "the kiosk on Wayland maps a GL stack: $gl"
}
