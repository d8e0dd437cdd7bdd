#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the clean Debian 12 root made by scripts/test-debs (no source or
# build tree in it): installs the two .debs from /tmp/debs, checks what
# docs/operations.md says they install, starts the kiosk headless from its
# packaged files and checks it runs in Swedish, runs blippa-server --help and
# --version, then purges both packages and checks that a kiosk database is
# kept and nothing else is left behind.
# One "pass NAME" / "FAIL NAME: why" line per check; exit status 1 if any failed.
set -u
export LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
pass=0
fail=0
ok() { echo "pass $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
check() { # check NAME COMMAND...: passes when COMMAND succeeds
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(printf '%s' "$out" | tail -n 3)"; fi
}
# every path outside the virtual and scratch file systems, for the purge
# check; the system users stay after a purge (Debian policy: files they owned
# may remain elsewhere), so the shadow-utils backups of /etc/passwd etc. are
# left out
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg \) -prune -o -print |
		grep -Ev '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-$' | sort
}

snapshot >/tmp/before.txt
check install dpkg -i /tmp/debs/blippa-server_*.deb /tmp/debs/blippa-kiosk_*.deb

# where docs/operations.md §1 and §4 say the files are
missing=""
for f in /usr/bin/blippa-kiosk /usr/bin/blippa-sync /usr/bin/blippa-server \
	/lib/systemd/system/blippa-kiosk.service /lib/systemd/system/blippa-server.service \
	/etc/blippa/kiosk.ini.example /etc/default/blippa-server \
	/usr/share/blippa/locale/sv/LC_MESSAGES/blippa.mo \
	/usr/share/doc/blippa-kiosk/copyright /usr/share/doc/blippa-kiosk/changelog.Debian.gz \
	/usr/share/doc/blippa-server/copyright /usr/share/doc/blippa-server/changelog.Debian.gz \
	/etc/systemd/system/graphical.target.wants/blippa-kiosk.service \
	/etc/systemd/system/multi-user.target.wants/blippa-server.service; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok files-where-docs-say; else bad files-where-docs-say "missing:$missing"; fi
check users getent passwd blippa blippa-server
check state-dirs sh -c '[ "$(stat -c %a:%U /var/lib/blippa)" = 700:blippa ] &&
	[ "$(stat -c %a:%U /var/lib/blippa-server)" = 700:blippa-server ] &&
	[ "$(stat -c %a:%G /etc/blippa)" = 750:blippa ]'
check conffiles sh -c 'dpkg-query -W -f="\${Conffiles}\n" blippa-kiosk blippa-server |
	grep -q /etc/default/blippa-server'

check server-help /usr/bin/blippa-server --help
if v=$(/usr/bin/blippa-server --version 2>&1) && printf '%s' "$v" | grep -q '^blippa-server [0-9]'; then
	ok server-version
else
	bad server-version "$v"
fi
check sync-help /usr/bin/blippa-sync --help

# The kiosk, as its system user, headless, from the packaged files only.
k=/tmp/kiosk-run
rm -rf "$k"
install -d -o blippa -g blippa -m 0700 "$k"
setpriv --reuid=blippa --regid=blippa --init-groups \
	env HOME="$k" TMPDIR="$k" SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy \
	/usr/bin/blippa-kiosk --demo --trace "$k/trace" >"$k/log" 2>&1 &
kpid=$!
i=0
while [ $i -lt 200 ] && ! grep -q 'present home' "$k/trace" 2>/dev/null; do
	kill -0 "$kpid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'present home' "$k/trace" 2>/dev/null; then ok kiosk-starts; else bad kiosk-starts "$(tail -n 5 "$k/log")"; fi
if grep -q 'language sv from /usr/share/blippa/locale$' "$k/log" &&
	! grep -q 'no sv translation' "$k/log"; then
	ok kiosk-swedish-from-package
else
	bad kiosk-swedish-from-package "$(grep -E 'i18n|translation' "$k/log")"
fi
kill -TERM "$kpid" 2>/dev/null
if wait "$kpid"; then ok kiosk-stops; else bad kiosk-stops "exit status $?"; fi
if ls -d "$k"/blippa-demo-* >/dev/null 2>&1; then
	bad kiosk-demo-dir-removed "$(ls -d "$k"/blippa-demo-*)"
else
	ok kiosk-demo-dir-removed
fi
rm -rf "$k"

# a kiosk database (it may hold unsynced check-ins) must survive the purge;
# the empty directories the packages made must not
install -m 0600 -o blippa -g blippa /dev/null /var/lib/blippa/blippa.db
check purge dpkg --purge blippa-kiosk blippa-server
check purge-keeps-kiosk-database test -f /var/lib/blippa/blippa.db
rm -rf /var/lib/blippa
snapshot >/tmp/after.txt
if left=$(diff /tmp/before.txt /tmp/after.txt); then
	ok purge-leaves-nothing
else
	bad purge-leaves-nothing "$(printf '%s' "$left" | head -n 20 | tr '\n' ' ')"
fi

echo "installed-package checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
