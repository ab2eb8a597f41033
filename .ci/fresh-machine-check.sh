#!/usr/bin/env bash
# Fresh-machine check: clone this repository's HEAD into a temporary folder, run the README's
# `make run` there (on a free port, in the background), fetch the home page and a PDF made through
# POST /api/v1/letters, stop the app and clean up. `--with-tests` also runs the README's
# `make test` (long; needs PostgreSQL and Redis on 127.0.0.1).
#
#   bash .ci/fresh-machine-check.sh [--with-tests] [--keep]
#
# Not part of .ci/run: it installs a whole new virtual environment.
set -euo pipefail

with_tests=0
keep=0
for argument in "$@"; do
  case "$argument" in
    --with-tests) with_tests=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: bash .ci/fresh-machine-check.sh [--with-tests] [--keep]" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/marathon-fresh.XXXXXX")"
server_pid=""

# Whether process $1 still runs (a zombie, finished but not waited for, does not).
alive() {
  [[ -r "/proc/$1/stat" ]] && [[ "$(cut -d ' ' -f 3 "/proc/$1/stat")" != "Z" ]]
}

# Stop `make run` and the flask server it started: they share the process group setsid made.
# SIGTERM, not SIGINT: a job started with `&` in a script inherits SIGINT as ignored, and
# Python then never turns it into KeyboardInterrupt.
stop_app() {
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 1 20); do alive "$server_pid" || break; sleep 0.5; done
  if alive "$server_pid"; then
    kill -KILL -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    return 1
  fi
  wait "$server_pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  if [[ -n "$server_pid" ]]; then
    stop_app || true
  fi
  if [[ $keep -eq 1 ]]; then
    echo "kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

fail() {
  echo "FAIL: $*" >&2
  [[ -f "$work/run.log" ]] && tail -n 40 "$work/run.log" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "== cloning $(git -C "$repo" rev-parse --short HEAD) into $work/marathon"
git clone --quiet "$repo" "$work/marathon"
cd "$work/marathon"

# The README's commands, exactly as written there.
grep -q '^make run ' README.md || fail "README.md no longer shows 'make run'"
grep -q '^make test ' README.md || fail "README.md no longer shows 'make test'"

port="$(free_port)"
base="http://127.0.0.1:$port"
echo "== make run PORT=$port (setup, database, cases, server; the first run installs .venv)"
setsid make run PORT="$port" >"$work/run.log" 2>&1 &
server_pid=$!

started=0
for _ in $(seq 1 900); do  # up to 15 minutes: a fresh .venv is installed first
  if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null || curl -fsS -o /dev/null "$base/" 2>/dev/null; then
    started=1
    break
  fi
  alive "$server_pid" || fail "make run stopped before the app answered"
  sleep 1
done
[[ $started -eq 1 ]] || fail "the app did not answer on $base within 15 minutes"

echo "== GET /"
curl -fsS "$base/" -o "$work/home.html" || fail "GET / failed"
grep -qi "<html" "$work/home.html" || fail "GET / is not an HTML page"

echo "== POST /api/v1/letters, then the PDF"
slug="$(curl -fsS "$base/api/v1/cases" | python3 -c '
import json, sys
cases = json.load(sys.stdin)["cases"]
print(next(c["slug"] for c in cases if "fr" in c["kinds"].get("appeal", [])))')"
[[ -n "$slug" ]] || fail "no case with French appeals in /api/v1/cases"
curl -fsS -X POST "$base/api/v1/letters" \
  -H "Content-Type: application/json" -H "Idempotency-Key: fresh-machine-$(date +%s)-$$" \
  -d "{\"case\": \"$slug\", \"kind\": \"appeal\", \"language\": \"fr\", \"sender_name\": \"Fresh Machine\"}" \
  -o "$work/letter.json" || fail "POST /api/v1/letters failed"
pdf_url="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["letter"]["pdf_url"])' "$work/letter.json")"
# pdf_url is absolute for the address the app was asked on.
curl -fsS "$pdf_url" -o "$work/letter.pdf" || fail "GET $pdf_url failed"
[[ "$(head -c 5 "$work/letter.pdf")" == "%PDF-" ]] || fail "the letter is not a PDF"
if command -v pdftotext >/dev/null; then
  pdftotext "$work/letter.pdf" - | grep -q "Fresh Machine" || fail "the PDF does not carry the sender's name"
fi
echo "   $(wc -c <"$work/letter.pdf") bytes, case $slug"

echo "== stopping the app"
stopped=0
stop_app && stopped=1
server_pid=""
[[ $stopped -eq 1 ]] || fail "the app did not stop on SIGTERM"

if [[ $with_tests -eq 1 ]]; then
  echo "== make test"
  make test || fail "make test failed"
fi

echo "OK: fresh clone runs, serves / and makes a PDF"
