#!/usr/bin/env bash
# One-shot DE sales over HTTP against a real `openfiskal serve`, measured from outside with wrk
# (docs/BENCHMARKS.md, "Over HTTP"). Starts its own server on a fresh SQLite file (or the PostgreSQL
# database given as $1), provisions 8 registers with their TSEs, and lets wrk post one-shot sales
# round-robin over them. Prints wrk's report and the server's signing rate per core for the ratio.
#
#   tools/bench/wrk-sales.sh                                   # SQLite in a temp dir
#   tools/bench/wrk-sales.sh postgres://postgres@127.0.0.1:5432/of_wrk
#
# Needs: a release build (`cargo build --release -p openfiskal`), curl, jq, wrk (Debian packages).
# Settings: BIN (default target/release/openfiskal), THREADS (2), CONNECTIONS (16), DURATION (20 s),
# UNITS (8), PORT (18181). Every request stays on this machine (127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/release/openfiskal}"
THREADS="${THREADS:-2}" CONNECTIONS="${CONNECTIONS:-16}" DURATION="${DURATION:-20}" UNITS="${UNITS:-8}"
PORT="${PORT:-18181}"
for tool in curl jq wrk; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 2; }; done
[ -x "$BIN" ] || { echo "needs $BIN: cargo build --release -p openfiskal" >&2; exit 2; }
BIN="$(realpath "$BIN")"

WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="${1:-sqlite://$WORK/openfiskal.db}"
(cd "$WORK" && OPENFISKAL_LOG=warn exec "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$DB" \
  --kek-file "$WORK/kek.key" --rate-limit 1000000 >"$WORK/out.txt" 2>"$WORK/err.txt") &
SERVER=$!
B="http://127.0.0.1:$PORT/v1"
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN="$(sed -n 's/^OPENFISKAL_SETUP_TOKEN=//p' "$WORK/out.txt")"
[ -n "$TOKEN" ] || TOKEN="$("$BIN" admin setup-token --database-url "$DB" | cut -d= -f2)"
J='Content-Type: application/json'
KEY="$(curl -fsS -X POST "$B/auth/bootstrap" -H "$J" -d "{\"setup_token\":\"$TOKEN\"}" | jq -r .api_key)"
A="Authorization: Bearer $KEY"
ADDR='{"line1":"Unter den Linden 1","city":"Berlin","postal_code":"10117","country":"DE"}'
ORG="$(curl -fsS -X POST "$B/organizations" -H "$A" -H "$J" \
  -d "{\"legal_name\":\"Bench GmbH\",\"country\":\"DE\",\"tax_id\":\"DE123456789\",\"address\":$ADDR}" | jq -r .id)"
LOC="$(curl -fsS -X POST "$B/organizations/$ORG/locations" -H "$A" -H "$J" \
  -d "{\"name\":\"Bench\",\"timezone\":\"Europe/Berlin\",\"address\":$ADDR}" | jq -r .id)"
REGS=()
for i in $(seq 1 "$UNITS"); do
  REG="$(curl -fsS -X POST "$B/locations/$LOC/registers" -H "$A" -H "OpenFiskal-Organization: $ORG" -H "$J" \
    -d "{\"label\":\"Kasse $i\",\"jurisdiction\":\"DE\"}" | jq -r .id)"
  curl -fsS -X POST "$B/registers/$REG/fiscal-units" -H "$A" -H "OpenFiskal-Organization: $ORG" >/dev/null
  REGS+=("\"$REG\"")
done

cat >"$WORK/sales.lua" <<LUA
local regs = {$(IFS=,; echo "${REGS[*]}")}
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["OpenFiskal-Organization"] = "$ORG"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"cashier":{"id":"c1"},"complete":true,"line_items":[{"description":"Kaffee","quantity":"1","unit_price_gross":350,"tax":{"rate":"0.19"}}],"payments":[{"method":"cash","direction":"inbound","amount":350}]}'
request = function()
  n = n + 1
  return wrk.format(nil, "/v1/registers/" .. regs[(n % #regs) + 1] .. "/sales")
end
local bad = 0
response = function(status, headers, body)
  if status ~= 201 then bad = bad + 1; if bad <= 3 then print("unexpected " .. status .. ": " .. body) end end
end
done = function(summary, latency, requests)
  io.write(string.format("sales/s %.1f, non-201 answers: %d, p50 %.2f ms, p99 %.2f ms\n",
    summary.requests / (summary.duration / 1e6), summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
LUA
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/sales.lua" "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
echo "signing limit for the ratio: openssl speed -seconds 3 ecdsabrp384r1 (sales/s ÷ (sign/s per core × $(nproc) cores ÷ 2))"
