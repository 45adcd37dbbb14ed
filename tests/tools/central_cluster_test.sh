#!/usr/bin/env bash
# tests/tools/central_cluster_test.sh SCRATCH_DIR CARNET_CENTRAL_BIN: tools/central-cluster from
# start to stop. Starts two central nodes on a throwaway PostgreSQL store behind nginx (--fast),
# in a fresh directory under SCRATCH_DIR, then checks that:
#   - /healthz answers 200 through nginx's address, over TLS verified against the central CA;
#   - both nodes served some of those requests. The nodes have no per-request counter, but
#     /metrics has carnet_bytes_sent_total, the response body bytes sent, counted after the
#     response is made: read once per node, directly on its own port, it is 3 ("ok\n") per
#     /healthz that node answered, so each must be > 0 and their sum 3 × the requests made;
#   - an inspector added with `admin` (node-1) is listed through node-2's data directory;
#   - the nodes see each client's own address behind nginx (the PROXY protocol): wrong
#     passwords sent through nginx from 127.0.0.3 are counted for 127.0.0.3 (`user blocks`),
#     never for nginx's 127.0.0.2, and the real user logs in from 127.0.0.4 meanwhile;
#   - a non-empty directory it did not make is refused (exit 2);
#   - after stop, no node, nginx or PostgreSQL process it started remains, and DIR is gone.
# Needs postgresql-15, nginx, libnginx-mod-stream, openssl and curl.
# Runs as root (PostgreSQL then runs as the postgres user) or not. Exit 0 on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="$ROOT/tools/central-cluster"
REQUESTS=6

if [ $# -ne 2 ]; then echo "usage: $0 SCRATCH_DIR CARNET_CENTRAL_BIN" >&2; exit 2; fi
BIN="$(realpath -- "$2")"
fail() { printf 'central_cluster_test: FAILED: %s\n' "$*" >&2; exit 1; }
step() { printf 'central_cluster_test: %s\n' "$*" >&2; }
# alive PID: the process exists and is not a zombie (which nothing may reap in a container).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

mkdir -p -- "$1"
SCRATCH="$(mktemp -d "$(realpath -- "$1")/central-cluster-test.XXXXXX")"
chmod 755 "$SCRATCH"  # as root, the postgres user must be able to traverse it
DIR="$SCRATCH/cluster"
cleanup() {
  if [ -e "$DIR" ]; then "$CLUSTER" stop "$DIR" >/dev/null 2>&1 || true; fi
  rm -rf -- "$SCRATCH"
}
trap cleanup EXIT

# https_get URL CA: prints the HTTP status, then the body, of GET URL (TLS verified against CA).
https_get() {
  local url="$1" ca="$2" hostport path out
  if command -v curl >/dev/null && [ "${CENTRAL_CLUSTER_TEST_CLIENT:-}" != openssl ]; then
    out="$(curl -sS --max-time 10 --cacert "$ca" -w '\n%{http_code}' "$url")" || return 1
    printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
    return 0
  fi
  hostport="${url#https://}" path="/${hostport#*/}" hostport="${hostport%%/*}"
  out="$(printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" |
         timeout 10 openssl s_client -quiet -connect "$hostport" -CAfile "$ca" -verify_return_error \
           -verify_ip "${hostport%:*}" 2>/dev/null)" || return 1
  out="${out//$'\r'/}"
  printf '%s\n%s\n' "$(sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p' <<<"$out")" "${out#*$'\n\n'}"
}

SECONDS=0
step "refusing a directory it did not make"
mkdir -p "$SCRATCH/foreign" && touch "$SCRATCH/foreign/keep"
code=0
"$CLUSTER" start "$SCRATCH/foreign" --bin "$BIN" 2>/dev/null || code=$?
if [ "$code" -ne 2 ] || [ ! -e "$SCRATCH/foreign/keep" ]; then fail "start on a foreign non-empty directory: exit $code, expected 2"; fi

step "starting the cluster in $DIR"
out="$("$CLUSTER" start "$DIR" --fast --bin "$BIN")" || fail "tools/central-cluster start failed"
address="$(sed -n 1p <<<"$out")" fingerprint="$(sed -n 2p <<<"$out")"
[[ "$address" =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "first line is not the address: $out"
[ "$(cat "$DIR/address")" = "$address" ] || fail "DIR/address differs from the printed address"
CA="$DIR/node-1/ca.pem"
expected="$(openssl x509 -in "$CA" -noout -fingerprint -sha256 | sed 's/^[^=]*=//')"
[ "$fingerprint" = "$expected" ] || fail "second line '$fingerprint' is not the CA's fingerprint $expected"
[ "$(stat -c %a "$DIR/node-2/central.conf")" = 600 ] || fail "node-2/central.conf is not mode 0600"

# Every process the cluster runs, from the pids it recorded (nginx's and PostgreSQL's children too).
nginx_pid="$(cat "$DIR/nginx/nginx.pid")" pg_pid="$(head -n 1 "$DIR/postgres/data/postmaster.pid")"
pids=("$(cat "$DIR/node-1/pid")" "$(cat "$DIR/node-2/pid")" "$nginx_pid" "$pg_pid")
for p in "${pids[@]}"; do alive "$p" || fail "process $p recorded by start is not running"; done
read -r -a children <<<"$(ps -o pid= --ppid "$nginx_pid" --ppid "$pg_pid" | tr '\n' ' ')"
pids+=("${children[@]}")

step "GET /healthz through nginx ($address), $REQUESTS times"
for ((i = 1; i <= REQUESTS; i++)); do
  got="$(https_get "$address/healthz" "$CA")" || fail "request $i through nginx failed (TLS or connection)"
  if [ "$(head -n 1 <<<"$got")" != 200 ] || [ "$(sed -n 2p <<<"$got")" != ok ]; then fail "request $i: expected 200 ok, got: $got"; fi
done

total=0
for k in 1 2; do
  got="$(https_get "https://127.0.0.1:$(cat "$DIR/node-$k/port")/metrics" "$CA")" || fail "node-$k's /metrics failed"
  sent="$(sed -n 's/^carnet_bytes_sent_total \([0-9]*\)$/\1/p' <<<"$got")"
  step "node-$k: carnet_bytes_sent_total ${sent:-?} (3 a /healthz)"
  [ "${sent:-0}" -gt 0 ] || fail "node-$k served none of the requests made through nginx"
  total=$((total + sent))
done
[ "$total" -eq $((3 * REQUESTS)) ] || fail "the nodes sent $total bytes, expected $((3 * REQUESTS)) for $REQUESTS requests"

step "admin: an inspector added through node-1, listed through node-2"
"$CLUSTER" admin "$DIR" inspector add lead --name Test >/dev/null || fail "admin inspector add failed"
grep -qP '^lead\tTest$' <<<"$("$CLUSTER" admin "$DIR" inspector list)" || fail "admin inspector list does not show lead"
grep -qP '^lead\tTest$' <<<"$("$BIN" inspector list --data "$DIR/node-2")" || fail "node-2 does not see the inspector lead"

step "the nodes see the clients' own addresses behind nginx"
printf 'Mot-de-passe-du-bureau-1\n' >"$SCRATCH/password" && chmod 600 "$SCRATCH/password"
"$CLUSTER" admin "$DIR" user add clerk --role office --password-file "$SCRATCH/password" >/dev/null || fail "admin user add failed"
# login FROM PASSWORD: the HTTP status of a login through nginx from the address FROM.
login() {
  curl -sS --max-time 10 --cacert "$CA" --interface "$1" -H 'Content-Type: application/json' -o /dev/null \
    -w '%{http_code}' -d "{\"nom\":\"clerk\",\"mot_de_passe\":\"$2\"}" "$address/bureau/api/connexion"
}
for ((i = 1; i <= 6; i++)); do
  code="$(login 127.0.0.3 faux)" || fail "login $i from 127.0.0.3 failed (connection)"
  case "$code" in 401 | 429) ;; *) fail "wrong password $i from 127.0.0.3: HTTP $code, expected 401 or 429" ;; esac
done
[ "$(login 127.0.0.4 Mot-de-passe-du-bureau-1)" = 200 ] || fail "the real user could not log in from 127.0.0.4"
blocks="$("$CLUSTER" admin "$DIR" user blocks --json)" || fail "admin user blocks failed"
grep -q '"address": *"127.0.0.3"' <<<"$blocks" || fail "the failures are not counted for 127.0.0.3: $blocks"
if grep -q '127.0.0.2' <<<"$blocks"; then fail "failures counted for nginx's address: $blocks"; fi

step "stopping the cluster"
"$CLUSTER" stop "$DIR" || fail "tools/central-cluster stop failed"
[ ! -e "$DIR" ] || fail "$DIR is still there after stop"
for p in "${pids[@]}"; do
  if alive "$p"; then fail "process $p ($(tr '\0' ' ' </proc/"$p"/cmdline)) still runs after stop"; fi
done
"$CLUSTER" stop "$DIR" 2>/dev/null || fail "stop of a directory with nothing running failed"
step "passed in ${SECONDS} s (${#pids[@]} processes started and stopped)"
