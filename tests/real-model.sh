#!/usr/bin/env bash
# tests/real-model.sh: viva against a real model, end to end. Not part of `cargo test` or CI: it
# installs a model server and its weights on first use (0.1-1.1 GB) and takes minutes.
#
#   tests/real-model.sh [MODEL]        MODEL: qwen1.5b (default), qwen0.5b, smollm2
#
# It starts ../shared/tools/local-llm.sh (llama.cpp's server on 127.0.0.1) unless one is running,
# then, in a fresh VIVA_HOME, runs `viva doctor`, a practice question with its follow-up and a
# `/dispute`, and `viva regrade --all`. Every grade must be the model's own or a clean fallback
# the grade announces ("LLM grading failed: ...; graded offline instead"); a dispute or regrade
# that fails must say so. Exits 1 on the first check that does not hold.
#
# Environment: DEADLINE (seconds per model call, default 900), VIVA_BIN (default
# target/release/viva, built when missing), LOCAL_LLM (the server script), KEEP_SERVER=1 leaves a
# server this script started running.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llm=${LOCAL_LLM:-$root/../shared/tools/local-llm.sh}
model=${1:-qwen1.5b}
bin=${VIVA_BIN:-$root/target/release/viva}
[ -x "$bin" ] || (cd "$root" && cargo build --release)

started=0
if out=$("$llm" start "$model" 2>&1); then
  started=1
elif ! grep -q "already running" <<<"$out"; then
  echo "$out" >&2
  exit 1
fi
stop_server() { if [ "$started" = 1 ] && [ "${KEEP_SERVER:-0}" != 1 ]; then "$llm" stop >/dev/null; fi; }
trap stop_server EXIT
eval "$("$llm" env)"
home=$(mktemp -d)
export VIVA_HOME=$home
# On a shared 2-core machine the 1.5B model writes 2-8 tokens/s: a grade can take minutes, past
# the default 180 s deadline. DEADLINE (seconds) sets it; the default here lets the model finish.
printf 'deadline_secs = %s\nread_timeout_secs = 300\n' "${DEADLINE:-900}" >"$home/config.toml"
echo "model $VIVA_MODEL at $VIVA_API_BASE; VIVA_HOME=$home"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

step "viva doctor"
"$bin" doctor || fail "viva doctor says the endpoint cannot grade"

step "a practice question, its follow-up and a dispute"
{
  echo "multiprocessing.Process takes a target and args and you call start and join, like a thread,"
  echo "but each process is a separate interpreter with its own GIL, so CPU-bound work runs in parallel."
  echo "For many tasks a Pool or ProcessPoolExecutor spreads the work, and results come back pickled."
  echo "Processes share data through a Queue or a Pipe. With the spawn start method the main module is"
  echo "imported again, so the code needs an if __name__ == '__main__' guard."
  echo
  echo "fork copies only the thread that called it, so a lock another thread held in the parent stays"
  echo "locked forever in the child, and the child can deadlock; spawn or forkserver avoid that."
  echo
  echo "/dispute 1 I did explain that each process has its own interpreter and GIL."
  echo
} | "$bin" --grader llm practice --count 1 --follow-ups 1 --topic concurrency --seed 2 |
  tee "$home/practice.txt"

# Each stored grade: the model's own, or the offline grader standing in with the reason.
check_grades() {
  "$bin" review show 1 --json | jq -r '.turns[] | .grade as $g |
    "\(.seq)\t\($g.grader // "none")\t\(($g.notes // []) | map(select(startswith("LLM grading failed"))) | length)\t\($g.tokens_out // 0)\t\($g.latency_ms // 0)"' |
    while IFS=$'\t' read -r seq grader announced tokens ms; do
      case $grader in
        llm) echo "turn $seq: the model's own grade ($tokens tokens out, $ms ms)" ;;
        offline) [ "$announced" -gt 0 ] || fail "turn $seq was graded offline without saying why"
                 echo "turn $seq: graded offline, announced ($tokens tokens out, $ms ms)" ;;
        *) fail "turn $seq has no grade" ;;
      esac
    done
}
turns=$("$bin" review show 1 --json | jq '.turns | length')
[ "$turns" -ge 2 ] || fail "expected a question and its follow-up, found $turns turns"
check_grades
disputes=$("$bin" review show 1 --json | jq '[.turns[].disputes[]] | length')
[ "$disputes" -ge 1 ] || grep -q "could not re-grade\|re-grade was unusable" "$home/practice.txt" ||
  fail "the dispute was neither recorded nor reported as failed"
echo "disputes recorded: $disputes"

step "viva regrade --all"
if "$bin" --grader llm regrade --all; then
  check_grades
else
  # A regrade never stores an offline grade in the model's name: a failure must be reported.
  echo "regrade reported answers it could not grade; their old grades stand"
  check_grades
fi

step "the call log"
"$bin" review calls --limit 20
echo
echo "PASS: every grade is the model's own or an announced fallback ($VIVA_MODEL)"
