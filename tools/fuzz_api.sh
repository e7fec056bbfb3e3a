#!/usr/bin/env bash
# Fuzz the control plane's OpenAPI with schemathesis and fail on any 5xx.
# Usage: tools/fuzz_api.sh [examples-per-operation]   (make fuzz)
# Job submission and deployments are excluded: fuzzed commands would really run.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-60}"
fuzz_venv=.venv-fuzz
[ -x "$fuzz_venv/bin/schemathesis" ] || { python3 -m venv "$fuzz_venv"; "$fuzz_venv/bin/pip" install --quiet schemathesis; }
work=$(mktemp -d)
port=$(.venv/bin/python -c "from shipyard.processes import free_port; print(free_port())")
.venv/bin/shipyard server --home "$work/home" --port "$port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/home/admin.token" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
token=$(cat "$work/home/admin.token")
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name": "p"}' "http://127.0.0.1:$port/api/v1/projects" >/dev/null
printf '[parameters]\n"path.project" = "p"\n' > "$work/schemathesis.toml"
(cd "$work" && "$OLDPWD/$fuzz_venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" --checks not_a_server_error -n "$examples" \
  --exclude-path-regex '/jobs$|/deployments$|/models/\{model\}/versions$')
if grep -q "unhandled error" "$work/server.log"; then echo "server logged unhandled errors"; exit 1; fi
