#!/usr/bin/env bash
# Benchmark (figures, not a test): the wall time of a full headless `authdeck test` against the local
# oidc-provider (scripted browser, callback delivered to authdeck's listener), next to the same flow
# done by a plain curl script. Both use tests/oidc/browser.js for the browser part.
# Needs: a release build (cargo build --release), Node.js with tests/oidc installed (npm ci), curl,
# openssl, jq. Usage: bench/flow_vs_curl.sh   (N=20 for more runs)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OIDC=$REPO/tests/oidc
WORK=$(mktemp -d)
cd "$WORK"
rm -f provider.out
OIDC_PROVIDER_IGNORE_STDIN=1 OIDC_PROVIDER_MAX_LIFETIME=300 node $OIDC/provider.js 0 >provider.out 2>provider.err &
PROVIDER_PID=$!
trap 'kill $PROVIDER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for i in $(seq 100); do grep -q READY provider.out 2>/dev/null && break; sleep 0.1; done
ISSUER=$(sed -n 's/^READY //p' provider.out)
N=${N:-10}

now() { date +%s%N; }

# --- authdeck: a database with the authorization (import format).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REDIRECT="http://127.0.0.1:$PORT/callback"
cat > export.json <<JSON
{"version": 1, "apps": [{"name": "Bench", "endpoints": [
  {"name": "token", "purpose": "token", "method": "POST", "url": "$ISSUER/token",
   "headers": ["Accept: application/json"], "body_kind": "form",
   "body": "grant_type=authorization_code\ncode={{code}}\nredirect_uri={{redirect_uri}}\ncode_verifier={{code_verifier}}",
   "response": {"access_token": "access_token", "refresh_token": "refresh_token", "expires_in": "expires_in", "scope": "scope", "token_type": "token_type"}},
  {"name": "me", "purpose": "userinfo", "method": "GET", "url": "$ISSUER/me",
   "headers": ["Authorization: Bearer {{access_token}}", "Accept: application/json"],
   "response": {"user_id": "sub", "user_name": "name", "user_email": "email"}}],
 "authorizations": [{"kind": "oauth2", "name": "OIDC", "client_id": "basic-client", "client_secret": "fake-basic-secret",
   "authorization_uri": "$ISSUER/auth?prompt=consent", "scopes": "openid profile email offline_access",
   "token_endpoint": "token", "userinfo_endpoint": "me", "redirect_uri": "$REDIRECT",
   "client_auth": "basic_header", "pkce": true}]}]}
JSON
rm -f bench.db*
$REPO/target/release/authdeck --db bench.db import export.json 2>/dev/null

authdeck_once() {
  rm -f err.fifo; mkfifo err.fifo
  local t0=$(now)
  $REPO/target/release/authdeck --db bench.db test OIDC --json </dev/null >out.json 2>err.fifo &
  local pid=$!
  local url=""
  while IFS= read -r line; do
    case "$line" in "  $ISSUER/auth?"*) url="${line#  }";; esac
    case "$line" in "Listening for the callback"*) break;; esac
  done <err.fifo
  cat err.fifo >/dev/null &
  node $OIDC/browser.js "$url" --deliver >/dev/null 2>&1
  wait $pid
  local t1=$(now)
  jq -e '.outcome == "ok"' out.json >/dev/null
  echo $(( (t1 - t0) / 1000000 ))
}

curl_once() {
  local t0=$(now)
  local verifier=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
  local challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=\n')
  local state=$(openssl rand 24 | basenc --base64url | tr -d '=\n')
  local url="$ISSUER/auth?prompt=consent&response_type=code&client_id=basic-client&redirect_uri=$(jq -rn --arg v "$REDIRECT" '$v|@uri')&scope=openid%20profile%20email%20offline_access&state=$state&code_challenge=$challenge&code_challenge_method=S256"
  local redirected=$(node $OIDC/browser.js "$url")
  local code=$(printf '%s' "$redirected" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
  local back_state=$(printf '%s' "$redirected" | sed -n 's/.*[?&]state=\([^&]*\).*/\1/p')
  [ "$back_state" = "$state" ]
  local token=$(curl -s -u basic-client:fake-basic-secret -H 'Accept: application/json' \
     --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
     --data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "code_verifier=$verifier" "$ISSUER/token" | jq -r .access_token)
  curl -s -H "Authorization: Bearer $token" "$ISSUER/me" | jq -e '.sub == "test-user-1"' >/dev/null
  local t1=$(now)
  echo $(( (t1 - t0) / 1000000 ))
}

authdeck_once >/dev/null; curl_once >/dev/null   # warm-up
A=(); C=()
for i in $(seq $N); do A+=($(authdeck_once)); C+=($(curl_once)); done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "authdeck ms: ${A[*]}  median $(median "${A[@]}")"
echo "curl     ms: ${C[*]}  median $(median "${C[@]}")"
