#!/usr/bin/env bash
# Fault proof (c): schemathesis against learnloop's own OpenAPI document, every phase
# (coverage, fuzzing, stateful links), checking: no 5xx, every status and content type
# documented, responses conform to their schemas, authentication never ignored.
#   .venv/bin/pip install -e ".[fuzz]" && bash benchmarks/api_fuzz.sh [MAX_EXAMPLES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/.venv/bin
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
token=$("$bin/learnloop" users add Fuzzer --role business_manager | tail -n 1)
LEARNLOOP_RATE_LIMIT_PER_MINUTE=0 "$bin/learnloop" serve --port "$port" > server.log 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.5; done
"$bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth \
    --max-examples "${1:-40}" ${2:+--seed "$2"} -w 1
