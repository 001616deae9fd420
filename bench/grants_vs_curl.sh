#!/usr/bin/env bash
# Benchmark (figures, not a test): headless `authdeck test` of a device-code login and of a
# client-credentials client against the local oidc-provider, next to the same requests done with
# curl. The device login's user is tests/oidc/browser.js --device in both.
#
# What each side does:
#   device, authdeck: discovery, device authorization, polls every 5 s (the provider gives no
#     interval, so RFC 8628's default) until approved, ID token checked (JWKS fetched, signature
#     and claims), user info, connection saved;
#   device, curl: device authorization, the same polls, user info (no discovery, no ID-token check);
#   client credentials, authdeck: one token request, connection saved (no issuer: no discovery);
#   client credentials, curl: the same token request.
# Needs: a release build (cargo build --release), Node.js with tests/oidc installed (npm ci), curl,
# jq. Usage: bench/grants_vs_curl.sh   (N=10 for more runs; device runs take ~5 s each)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OIDC=$REPO/tests/oidc
WORK=$(mktemp -d)
cd "$WORK"
OIDC_PROVIDER_IGNORE_STDIN=1 OIDC_PROVIDER_MAX_LIFETIME=600 node "$OIDC/provider.js" 0 >provider.out 2>provider.err &
PROVIDER_PID=$!
trap 'kill $PROVIDER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q READY provider.out 2>/dev/null && break; sleep 0.1; done
ISSUER=$(sed -n 's/^READY //p' provider.out)
N=${N:-5}
AUTHDECK=$REPO/target/release/authdeck
export XDG_DATA_HOME=$WORK/data

now() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- authdeck: the device login made by discovery, the client-credentials client imported.
$AUTHDECK --db bench.db discover "$ISSUER" --name Device --client-id public-client --client-auth none \
  --grant device --scopes "openid profile email" >/dev/null
cat > machine.json <<JSON
{"version": 2, "apps": [{"name": "My App", "endpoints": [
  {"name": "cc token", "purpose": "token", "method": "POST", "url": "$ISSUER/token",
   "headers": ["Accept: application/json"], "body_kind": "form", "body": ""}],
 "authorizations": [{"kind": "oauth2", "name": "Machine", "client_id": "basic-client",
   "client_secret": "fake-basic-secret", "authorization_uri": "", "scopes": "",
   "token_endpoint": "cc token", "redirect_uri": "http://127.0.0.1:8976/callback",
   "client_auth": "basic_header", "grant": "client_credentials"}]}]}
JSON
$AUTHDECK --db bench.db import machine.json 2>/dev/null

authdeck_device() {
  rm -f err.fifo; mkfifo err.fifo
  local t0; t0=$(now)
  $AUTHDECK --db bench.db test Device --json </dev/null >out.json 2>err.fifo &
  local pid=$! url=""
  while IFS= read -r line; do
    case "$line" in "(or open "*", which has the code in it)") url=${line#(or open }; url=${url%, which has the code in it)}; break;; esac
  done <err.fifo
  cat err.fifo >/dev/null &
  node "$OIDC/browser.js" --device "$url" >/dev/null 2>&1
  wait $pid
  local t1; t1=$(now)
  jq -e '.outcome == "ok"' out.json >/dev/null
  echo $(( (t1 - t0) / 1000000 ))
}

curl_device() {
  local t0; t0=$(now)
  local auth; auth=$(curl -s -d client_id=public-client --data-urlencode "scope=openid profile email" "$ISSUER/device/auth")
  local device_code complete interval
  device_code=$(jq -r .device_code <<<"$auth"); complete=$(jq -r .verification_uri_complete <<<"$auth")
  interval=$(jq -r '.interval // 5' <<<"$auth")
  node "$OIDC/browser.js" --device "$complete" >/dev/null 2>&1 &
  local browser=$! token=""
  while :; do
    sleep "$interval"
    local answer; answer=$(curl -s -d client_id=public-client -d "device_code=$device_code" \
      -d grant_type=urn:ietf:params:oauth:grant-type:device_code "$ISSUER/token")
    case $(jq -r '.error // "none"' <<<"$answer") in
      none) token=$(jq -r .access_token <<<"$answer"); break;;
      authorization_pending) ;;
      slow_down) interval=$((interval + 5));;
      *) echo "device login failed: $answer" >&2; exit 1;;
    esac
  done
  wait $browser
  curl -s -H "Authorization: Bearer $token" "$ISSUER/me" | jq -e '.sub == "test-user-1"' >/dev/null
  local t1; t1=$(now)
  echo $(( (t1 - t0) / 1000000 ))
}

authdeck_machine() {
  local t0; t0=$(now)
  $AUTHDECK --db bench.db test Machine --json </dev/null >out.json 2>/dev/null
  local t1; t1=$(now)
  jq -e '.outcome == "ok"' out.json >/dev/null
  echo $(( (t1 - t0) / 1000000 ))
}

curl_machine() {
  local t0; t0=$(now)
  curl -s -u basic-client:fake-basic-secret -H 'Accept: application/json' -d grant_type=client_credentials \
    "$ISSUER/token" | jq -e '.access_token | length > 0' >/dev/null
  local t1; t1=$(now)
  echo $(( (t1 - t0) / 1000000 ))
}

authdeck_machine >/dev/null; curl_machine >/dev/null   # warm-up
AD=(); CD=(); AM=(); CM=()
for _ in $(seq "$N"); do
  AD+=("$(authdeck_device)"); CD+=("$(curl_device)")
done
for _ in $(seq $((N * 4))); do
  AM+=("$(authdeck_machine)"); CM+=("$(curl_machine)")
done
echo "device login, authdeck ms:       ${AD[*]}  median $(median "${AD[@]}")"
echo "device login, curl ms:           ${CD[*]}  median $(median "${CD[@]}")"
echo "client credentials, authdeck ms: ${AM[*]}  median $(median "${AM[@]}")"
echo "client credentials, curl ms:     ${CM[*]}  median $(median "${CM[@]}")"
