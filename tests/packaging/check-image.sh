#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the clean Debian 12 root made by scripts/test-kiosk-image: runs
# /tmp/make-kiosk-image with /tmp/debs/blippa-kiosk_*.deb as root on a "stock"
# system, checks what docs/kiosk-image.md says it sets up, runs it again and
# checks that nothing changed, then drives the first-boot setup
# (blippa-kiosk-firstboot) through stdin and checks the files it writes with
# the real config parser (blippa-sync status, as the kiosk user).
# One "pass NAME" / "FAIL NAME: why" line per check; exit status 1 if any failed.
# shellcheck disable=SC2317,SC2016 # check functions run through check(); inner sh -c
set -u
export LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
fail=0
ok() { echo "pass $1"; }
bad() {
	echo "FAIL $1: $2"
	fail=1
}
check() { # check NAME COMMAND...: passes when COMMAND succeeds
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(printf '%s' "$out" | tail -n 3)"; fi
}
# every path with mode, owner, size, mtime and link target, except scratch space
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \) -prune \
		-o -printf '%p %m %u %g %s %T@ %l\n' | sort
}
ntp=ntp.region.example
url=https://127.0.0.1:9/blippa # nothing listens: the sync fails at once

# --- first run -------------------------------------------------------------------
start=$(date +%s)
if out=$(sh /tmp/make-kiosk-image NTP_SERVER="$ntp" SERVER_URL="$url" /tmp/debs/blippa-kiosk_*.deb 2>&1); then
	ok first-run
else
	bad first-run "$(printf '%s' "$out" | tail -n 5)"
fi
# the count it reports is the number of change lines it printed
n=$(printf '%s\n' "$out" | grep -c '^make-kiosk-image: \(wrote\|enabled\|installed\|time zone\|user\|boots\)')
if printf '%s\n' "$out" | grep -qx "make-kiosk-image: $n changes" && [ "$n" -gt 5 ]; then
	ok first-run-counts
else
	bad first-run-counts "$n change lines: $(printf '%s\n' "$out" | grep changes)"
fi
echo "# first run: $(($(date +%s) - start)) s:"
printf '%s\n' "$out" | grep '^make-kiosk-image: ' | sed 's/^/#   /'


# mode_is MODE OWNER GROUP PATH
mode_is() {
	[ "$(stat -c '%a %U %G' "$4" 2>&1)" = "$1 $2 $3" ] || {
		echo "$4: $(stat -c '%a %U %G' "$4" 2>&1), want $1 $2 $3"
		return 1
	}
}
files_and_modes() {
	mode_is 755 root root /usr/bin/blippa-kiosk &&
		mode_is 755 root root /usr/sbin/blippa-kiosk-firstboot &&
		mode_is 644 root root /lib/udev/rules.d/99-blippa-reader.rules &&
		mode_is 644 root root /etc/nfc/libnfc.conf &&
		cmp /etc/nfc/libnfc.conf /usr/share/doc/blippa-kiosk/libnfc.conf.example &&
		mode_is 644 root root /etc/modprobe.d/blacklist-blippa-nfc.conf &&
		grep -qx "blacklist pn533_usb" /etc/modprobe.d/blacklist-blippa-nfc.conf &&
		mode_is 750 root blippa /etc/blippa &&
		mode_is 700 blippa blippa /var/lib/blippa &&
		mode_is 644 root root /etc/blippa/kiosk-image.conf &&
		grep -qx "SERVER_URL=$url" /etc/blippa/kiosk-image.conf &&
		[ ! -e /etc/blippa/kiosk.ini ] && [ ! -e /etc/blippa/token ]
}
check files-and-modes files_and_modes
user_without_shell() {
	[ "$(getent passwd blippa | cut -d: -f7)" = /usr/sbin/nologin ] &&
		getent shadow blippa | cut -d: -f2 | grep -q '^[!*]' &&
		id -nG blippa | tr ' ' '\n' | grep -qx plugdev &&
		id -nG blippa | tr ' ' '\n' | grep -qx dialout &&
		! su -c true blippa </dev/null
}
check user-without-shell user_without_shell
enabled=""
for u in blippa-kiosk.service blippa-kiosk-firstboot.service systemd-timesyncd.service \
	apt-daily.timer apt-daily-upgrade.timer tmp.mount; do
	[ "$(systemctl is-enabled "$u" 2>&1)" = enabled ] || enabled="$enabled $u:$(systemctl is-enabled "$u" 2>&1)"
done
if [ -z "$enabled" ]; then ok units-enabled; else bad units-enabled "not enabled:$enabled"; fi
check boots-graphical sh -c '[ "$(systemctl get-default)" = graphical.target ] &&
	[ -L /etc/systemd/system/graphical.target.wants/blippa-kiosk-firstboot.service ]'
check units-verify systemd-analyze verify /lib/systemd/system/blippa-kiosk-firstboot.service
# the merged configuration as timesyncd reads it
check timesyncd-ntp sh -c 'systemd-analyze cat-config systemd/timesyncd.conf | grep -x "NTP='"$ntp"'"'
check timezone sh -c '[ "$(readlink /etc/localtime)" = /usr/share/zoneinfo/Europe/Stockholm ] &&
	[ "$(cat /etc/timezone)" = Europe/Stockholm ] &&
	[ "$(TZ=Europe/Stockholm date +%Z)" = "$(date +%Z)" ]'
# the merged configuration as apt reads it
check security-updates sh -c 'd=$(apt-config dump) &&
	printf "%s\n" "$d" | grep -qx "APT::Periodic::Unattended-Upgrade \"1\";" &&
	printf "%s\n" "$d" | grep -qx "APT::Periodic::Update-Package-Lists \"1\";" &&
	printf "%s\n" "$d" | grep -qx "Unattended-Upgrade::Automatic-Reboot-Time \"03:30\";" &&
	printf "%s\n" "$d" | grep -q "^Unattended-Upgrade::Origins-Pattern:: \".*label=Debian-Security\";"'
check journal-bounded sh -c 'systemd-analyze cat-config systemd/journald.conf | grep -qx "SystemMaxUse=64M"'

# --- second run: nothing changes ---------------------------------------------------
snapshot >/tmp/before.txt
if out=$(sh /tmp/make-kiosk-image /tmp/debs/blippa-kiosk_*.deb 2>&1) &&
	printf '%s\n' "$out" | grep -qx 'make-kiosk-image: 0 changes'; then
	ok second-run-no-changes
else
	bad second-run-no-changes "$(printf '%s' "$out" | tail -n 5)"
fi
snapshot >/tmp/after.txt
if cmp -s /tmp/before.txt /tmp/after.txt; then
	ok second-run-same-files
else
	bad second-run-same-files "$(diff /tmp/before.txt /tmp/after.txt | head -n 6)"
fi
check bad-setting-refused sh -c '! sh /tmp/make-kiosk-image NTP_SERVER="a;b" 2>/tmp/err && grep -q NTP_SERVER /tmp/err'

# --- first boot: server address and token through stdin -----------------------------
if blippa-kiosk-firstboot </dev/null >/tmp/fb0.txt 2>&1; then
	bad firstboot-no-answer "exit 0 without answers"
elif [ -e /etc/blippa/kiosk.ini ] || [ -e /etc/blippa/token ]; then
	bad firstboot-no-answer "wrote files without answers"
else
	ok firstboot-no-answer
fi
token=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
# Enter keeps the address from kiosk-image.conf; a short token is refused;
# the sync fails (nothing listens), "c" continues offline
printf '\nabc\n%s\nc\n' "$token" | blippa-kiosk-firstboot >/tmp/fb1.txt 2>&1
fbrc=$?
if [ "$fbrc" -eq 0 ] && grep -q 'you typed 3' /tmp/fb1.txt && grep -q 'could not be reached' /tmp/fb1.txt &&
	grep -q "blippa-sync: roster: server unreachable" /tmp/fb1.txt; then
	ok firstboot-asks
else
	bad firstboot-asks "exit $fbrc: $(tail -n 4 /tmp/fb1.txt)"
fi
firstboot_files() {
	mode_is 600 blippa blippa /etc/blippa/token &&
		[ "$(cat /etc/blippa/token)" = "$token" ] &&
		mode_is 640 root blippa /etc/blippa/kiosk.ini &&
		grep -qx "url = $url" /etc/blippa/kiosk.ini &&
		grep -qx "device = auto" /etc/blippa/kiosk.ini &&
		grep -qx "token_file = /etc/blippa/token" /etc/blippa/kiosk.ini &&
		[ ! -e /etc/blippa/kiosk.ini.new ] && [ ! -e /etc/blippa/token.new ]
}
check firstboot-files firstboot_files
sed 's/^/#   /' /tmp/fb1.txt
if grep -q "$token" /tmp/fb1.txt; then bad token-not-shown "the setup printed the token"; else ok token-not-shown; fi
# the kiosk's own config parser accepts both files (token mode included)
check config-accepted sh -c 'cd / && setpriv --reuid=blippa --regid=blippa --init-groups \
	env HOME=/var/lib/blippa blippa-sync --config /etc/blippa/kiosk.ini status'
check firstboot-runs-once sh -c 'systemd-analyze verify /lib/systemd/system/blippa-kiosk-firstboot.service &&
	grep -qx "ConditionPathExists=!/etc/blippa/kiosk.ini" /lib/systemd/system/blippa-kiosk-firstboot.service'

# --- a run after the first boot keeps the kiosk's files ------------------------------
snapshot >/tmp/before.txt
if out=$(sh /tmp/make-kiosk-image 2>&1) && printf '%s\n' "$out" | grep -qx 'make-kiosk-image: 0 changes' &&
	snapshot >/tmp/after.txt && cmp -s /tmp/before.txt /tmp/after.txt; then
	ok rerun-after-firstboot
else
	bad rerun-after-firstboot "$(printf '%s' "$out" | tail -n 3) $(diff /tmp/before.txt /tmp/after.txt | head -n 4)"
fi
# unattended-upgrades itself (dry run, it writes a log: after the snapshots)
# takes Debian's security archive among its origins
check unattended-upgrades-origins sh -c 'timeout 120 unattended-upgrade --dry-run --debug 2>&1 |
	grep "^Allowed origins are: .*codename=bookworm-security,label=Debian-Security"'

# --- purge: the first-start unit's link goes with the package ---------------------------
if dpkg --purge blippa-kiosk >/tmp/purge.txt 2>&1 &&
	[ ! -e /etc/systemd/system/graphical.target.wants/blippa-kiosk-firstboot.service ] &&
	[ ! -L /etc/systemd/system/graphical.target.wants/blippa-kiosk-firstboot.service ] &&
	[ ! -e /usr/sbin/blippa-kiosk-firstboot ]; then
	ok purge-drops-firstboot
else
	bad purge-drops-firstboot "$(tail -n 3 /tmp/purge.txt)"
fi
exit $fail
