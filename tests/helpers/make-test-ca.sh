#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes a throwaway test PKI in DIR for HTTPS tests on loopback:
#   ca.pem / ca-key.pem             test CA (EC P-256, 2 days)
#   server.pem / server-key.pem     server certificate signed by the CA for
#                                   127.0.0.1, ::1 and localhost (key mode 0600)
#   other-ca.pem / other-ca-key.pem an unrelated CA: verifying the server
#                                   against it must fail ("wrong CA" tests)
# Usage: make-test-ca.sh DIR    (DIR is created if missing; files replaced)
# Needs openssl. Exits non-zero with a message on any failure.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
umask 077
cd "$dir"

command -v openssl >/dev/null 2>&1 || { echo "make-test-ca.sh: openssl not found" >&2; exit 1; }

mkca() { # name subject
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1-key.pem" -out "$1.pem" -days 2 -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

mkca ca "/CN=Blippa test CA"
mkca other-ca "/CN=Blippa other test CA"

openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout server-key.pem -out server.csr -subj "/CN=localhost" 2>/dev/null
cat > server.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
	-out server.pem -days 2 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ./*-key.pem
chmod 644 ca.pem other-ca.pem server.pem
openssl verify -CAfile ca.pem server.pem >/dev/null
