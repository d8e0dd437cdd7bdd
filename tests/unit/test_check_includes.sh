#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/check-includes: passes on this tree, and fails, naming the rule,
# on a copy of it with one forbidden include added per module rule.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$src/scripts/check-includes" "$src" || { echo "FAIL: the tree breaks a rule"; exit 1; }

# expect FILE INCLUDE RULE-TEXT: adding INCLUDE to FILE breaks RULE-TEXT
# (one copy of the tree; each file is put back after its case)
mkdir -p "$tmp/t"
cp -R "$src/kiosk" "$src/sync" "$tmp/t/"
expect() {
	cp "$src/$1" "$tmp/t/$1"
	printf '#include %s\n' "$2" >>"$tmp/t/$1"
	out=$(sh "$src/scripts/check-includes" "$tmp/t") && ok=1 || ok=0
	cp "$src/$1" "$tmp/t/$1"
	if [ $ok = 1 ]; then
		echo "FAIL: $1 including $2 passed"
		exit 1
	fi
	case $out in
	*"$3"*) ;;
	*) echo "FAIL: $1 including $2: wrong rule: $out"; exit 1 ;;
	esac
}
expect kiosk/ui/ui.c '<curl/curl.h>' "kiosk/ui includes no curl or protocol"
expect kiosk/ui/ui.c '"protocol.h"' "kiosk/ui includes no curl or protocol"
expect sync/store/store.c '<SDL2/SDL.h>' "sync/store includes no SDL"
expect sync/server/api.c '"store.h"' "sync/server includes nothing under kiosk/ or sync/store"
expect sync/server/api.c '"reader.h"' "sync/server includes nothing under kiosk/ or sync/store"
expect sync/model/uid.c '"store.h"' "sync/model includes only sync/common"
expect sync/model/uid.c '<sqlite3.h>' "sync/model includes only sync/common"
expect sync/protocol/protocol.c '"store.h"' "sync/protocol includes nothing under kiosk/"
expect kiosk/reader/reader.c '"store.h"' "kiosk/reader includes no store"
expect kiosk/ui/scr_home.c '"sync.h"' "kiosk/ui includes no curl or protocol"
expect kiosk/ui/scr_home.c '"store_int.h"' "kiosk/ui includes no curl or protocol"
expect kiosk/ui/ui.c '"app.h"' "kiosk/ui includes no curl or protocol"
expect kiosk/app/app.c '"engine.h"' "kiosk/app includes no curl, protocol, engine"
expect kiosk/app/app.c '"protocol.h"' "kiosk/app includes no curl, protocol, engine"
expect kiosk/main.c '"store_int.h"' "store_int.h is internal to sync/store"
expect sync/client/engine.c '"srv_store_pg_int.h"' "srv_store_pg_int.h is internal to sync/server"
echo "check-includes: rules hold and each rule catches a violation"
