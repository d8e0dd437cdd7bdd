#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/check-includes: passes on this tree, and fails, naming the rule,
# on a copy of it with one forbidden include added per module rule.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$src/scripts/check-includes" "$src" || { echo "FAIL: the tree breaks a rule"; exit 1; }

# expect FILE INCLUDE RULE-TEXT: adding INCLUDE to FILE breaks RULE-TEXT.
# Every case goes into one copy of the tree (each in a file of its own) and
# the script runs once: each added line must come back, naming its rule.
mkdir -p "$tmp/t"
cp -R "$src/kiosk" "$src/sync" "$tmp/t/"
cases=""
expect() {
	printf '#include %s\n' "$2" >>"$tmp/t/$1"
	line=$(wc -l <"$tmp/t/$1" | tr -d ' ')
	cases="$cases$1:$line:$3
"
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
if out=$(sh "$src/scripts/check-includes" "$tmp/t"); then
	echo "FAIL: a tree with forbidden includes passed"
	exit 1
fi
printf '%s' "$cases" | while IFS= read -r c; do
	at=${c%%:*}
	rest=${c#*:}
	n=${rest%%:*}
	rule=${rest#*:}
	hit=$(printf '%s\n' "$out" | grep -F "$at:$n:" || true)
	case $hit in
	*"$rule"*) ;;
	*) echo "FAIL: $at:$n: not reported as \"$rule\": $hit"; exit 1 ;;
	esac
done
echo "check-includes: rules hold and each rule catches a violation"
