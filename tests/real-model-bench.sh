#!/usr/bin/env bash
# tests/real-model-bench.sh: how a real local model grades 20 bank answers. Not in CI (see
# tests/real-model.sh for the server it uses); figures go to BENCHMARKS.md.
#
#   tests/real-model-bench.sh [MODEL] [N]     MODEL: qwen1.5b (default), qwen0.5b, smollm2; N: 20
#
# The answers are the agreement set's test half (data/eval/agreement.toml), one per question, the
# labels taken in turn (excellent, good, partial, poor, wrong), so N answers cover N questions
# and every quality. Each is graded by `viva grade` with the model; the call log gives tokens,
# time and finish reason per call. Printed: per answer, then the share of grades the model
# returned itself (no fallback), output tokens per grade (median, max), wall time per grade
# (median, max), replies that ran to the completion limit, and the rank agreement with the labels.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llm=${LOCAL_LLM:-$root/../shared/tools/local-llm.sh}
model=${1:-qwen1.5b}
n=${2:-20}
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

python3 - "$root/data/eval/agreement.toml" "$n" >"$home/answers.jsonl" <<'PY'
import json, sys, tomllib
rows = tomllib.load(open(sys.argv[1], 'rb'))['answer']
n = int(sys.argv[2])
labels = ['excellent', 'good', 'partial', 'poor', 'wrong']
by_question = {}
for r in sorted(rows, key=lambda r: r['id']):
    if r['split'] == 'test' and r['label'] in labels:
        by_question.setdefault(r['question'], []).append(r)
for i, q in enumerate(sorted(by_question)[:n]):
    want = labels[i % len(labels)]
    pick = next((r for r in by_question[q] if r['label'] == want), by_question[q][0])
    print(json.dumps({'question_id': q, 'answer': pick['text'], 'label': pick['label'], 'score': pick['score']}))
PY

echo "model $VIVA_MODEL at $VIVA_API_BASE; $(wc -l <"$home/answers.jsonl") answers; VIVA_HOME=$home"
started_at=$(date +%s)
: >"$home/grades.jsonl"
while IFS= read -r line; do
  jq -c '{question_id, answer}' <<<"$line" | "$bin" --grader llm grade >>"$home/grades.jsonl"
  printf '%s ' "$(jq -r .question_id <<<"$line")"
  jq -r '"\(.grader) \(.score) \(.tokens_out) tokens \(.latency_ms) ms"' <<<"$(tail -1 "$home/grades.jsonl")"
done <"$home/answers.jsonl"
echo "total $(($(date +%s) - started_at)) s"
"$bin" review calls --json --limit 1000 >"$home/calls.json"

python3 - "$home/answers.jsonl" "$home/grades.jsonl" "$home/calls.json" <<'PY'
import json, statistics, sys
answers = [json.loads(l) for l in open(sys.argv[1])]
grades = [json.loads(l) for l in open(sys.argv[2])]
calls = [c for c in json.load(open(sys.argv[3])) if c['purpose'] in ('grade', 'repair')]
own = sum(g['grader'] == 'llm' for g in grades)
outs = [g['tokens_out'] or 0 for g in grades]
walls = [g['latency_ms'] / 1000 for g in grades]
limits = [c['request'].get('max_tokens') or c['request'].get('max_completion_tokens') for c in calls]
cut = sum(c['finish_reason'] == 'length' for c in calls)
def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r
a, b = ranks([x['score'] for x in answers]), ranks([g['score'] for g in grades])
ma, mb = statistics.mean(a), statistics.mean(b)
cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
sd = (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5
print(f"grades the model returned itself: {own} of {len(grades)} ({100 * own / len(grades):.0f}%)")
print(f"output tokens per grade: median {statistics.median(outs):.0f}, max {max(outs)}")
print(f"wall time per grade: median {statistics.median(walls):.1f} s, max {max(walls):.1f} s")
print(f"model calls: {len(calls)} (repairs {sum(c['purpose'] == 'repair' for c in calls)}); "
      f"completion limits {min(limits)}-{max(limits)} tokens; replies cut at the limit: {cut}")
print(f"Spearman with the labels' scores: {cov / sd:.2f}" if sd else "Spearman: undefined")
for g in grades:
    for note in g.get('notes') or []:
        if note.startswith('LLM grading failed'):
            print(f"  fallback: {note}")
PY
