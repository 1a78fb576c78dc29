#!/usr/bin/env bash
# Issue 17's check that the suite gives the same result every time: runs it N times in one mode,
# on a frozen clone of a commit, and appends one line per run to a log.
#
#   scripts/repeat-suite.sh MODE N [COMMIT] [LOG]
#     MODE   quiet   `CI=true npm test`, nothing else running (keep other work to `nice -n 19`)
#            alone   every test file in a process of its own, one after another (a round = all files)
#            loaded  `CI=true npm test` beside LOAD busy processes (default 2, one per core) at
#                    normal priority
#     N      runs (rounds for `alone`)
#     COMMIT default HEAD; cloned to a temp dir with this checkout's node_modules linked in
#     LOG    default ./repeat-<mode>.txt
#   FILES="a.test.ts b.test.ts" limits `alone` to those files (a quick try of the script).
#
# Each line: run, exit code, wall seconds, tests/pass/fail/skipped (for `alone`, summed over the
# files, and the files that failed). Full output of each run beside the log (<log>.runN).
set -uo pipefail
mode=${1:?mode: quiet | alone | loaded}
runs=${2:?number of runs}
here=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$here" rev-parse --verify -q "${3:-HEAD}^{commit}") || { echo "no commit ${3:-HEAD}" >&2; exit 1; }
log=$(realpath -m "${4:-repeat-$mode.txt}")
load=${LOAD:-2}

work=$(mktemp -d)
spinners=()
stop_load() { [ ${#spinners[@]} -gt 0 ] && kill "${spinners[@]}" 2>/dev/null; spinners=(); }
trap 'stop_load; rm -rf "$work"' EXIT
git clone -q "$here" "$work/c" && git -C "$work/c" checkout -q "$commit" || { echo "cannot check out $commit" >&2; exit 1; }
ln -s "$here/node_modules" "$work/c/node_modules"
# The tests read ../shared (the real data) beside the checkout.
[ -e "$here/../shared" ] && ln -s "$(realpath "$here/../shared")" "$work/shared"
(cd "$work/c" && npm run -s build >/dev/null) || { echo "build failed" >&2; exit 1; }
echo "# $mode × $runs on $commit ($(date -u +%FT%TZ))" >>"$log"

# A figure of node's test summary; 0 when the run died before printing one.
figure() { local v; v=$(grep -E "^# $1 " "$2" | tail -1 | awk '{print $3}'); echo "${v:-0}"; }

cd "$work/c"
for n in $(seq 1 "$runs"); do
  out="$log.run$n"
  start=$(date +%s)
  if [ "$mode" = alone ]; then
    : >"$out"
    rc=0 tests=0 pass=0 fail=0 skipped=0 failed=()
    for file in ${FILES:-test/unit/*.test.ts test/e2e/*.test.ts}; do
      CI=true node --import tsx --test "$file" >"$out.file" 2>&1 || { rc=1; failed+=("$file"); }
      cat "$out.file" >>"$out"
      tests=$((tests + $(figure tests "$out.file"))) pass=$((pass + $(figure pass "$out.file")))
      fail=$((fail + $(figure fail "$out.file"))) skipped=$((skipped + $(figure skipped "$out.file")))
    done
    rm -f "$out.file"
    line="tests $tests pass $pass fail $fail skipped $skipped${failed[*]:+ failed: ${failed[*]}}"
  else
    if [ "$mode" = loaded ]; then for _ in $(seq 1 "$load"); do yes >/dev/null & spinners+=($!); done; fi
    CI=true npm test >"$out" 2>&1
    rc=$?
    stop_load
    line="tests $(figure tests "$out") pass $(figure pass "$out") fail $(figure fail "$out") skipped $(figure skipped "$out")"
  fi
  echo "run $n rc=$rc wall=$(($(date +%s) - start))s # $line $(date -u +%H:%M)" >>"$log"
done
