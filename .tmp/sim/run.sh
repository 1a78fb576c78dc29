#!/usr/bin/env bash
# Issue 15 README figures: map jobs on the real review file through the simulated provider.
set -u
cd /work/main/.tmp/sim
F=/work/shared/data/real/reviews-amazon-fine-food/fine_food_reviews_1k.csv
FANYI="node /work/main/bin/fanyi.js"
export OPENAI_API_KEY=sk-sim
sim() { node --import tsx /work/main/test/helpers/simulated-provider.ts --api-key sk-sim --tokens bpe "$@" > sim.log 2>&1 & SIM=$!; sleep 3; }
run() { local name=$1; shift; rm -f $name.db*; local s=$(date +%s.%N); $FANYI "$@" --db $name.db --json > $name.json 2> $name.err; local rc=$?; local e=$(date +%s.%N); python3 -c "
import json; d=json.load(open('$name.json')); print('$name', 'rc=$rc', 'calls', d.get('calls'), 'tokens', d.get('tokens'), 'wall %.1f s' % ($e-$s))"; }
est() { local name=$1; shift; $FANYI estimate "$@" --json | python3 -c "
import json,sys; d=json.load(sys.stdin); print('$name', 'batches', d.get('batches'), 'calls', d['estimated_calls'], 'per100', d['calls_per_100_rows'], 'in', d['estimated_input_tokens'], 'out', d['estimated_output_tokens'], 'min', d['estimated_minutes'])"; }
P="--prompt sentiment.md --schema sentiment.json"
est est-default $F $P
est est-200k $F $P --rpm 500 --tpm 200000
run pseudo map $F $P --provider pseudo --out pseudo.csv
sim --port 8791 --latency 500 --jitter 0.3
run sim-nolimits map $F $P --base-url http://127.0.0.1:8791/v1 --model sim-model --out sim1.csv
kill -INT $SIM; wait $SIM 2>/dev/null; tail -1 sim.log
sim --port 8792 --latency 800 --jitter 0.3 --rpm 500 --tpm 200000
run sim-200k map $F $P --base-url http://127.0.0.1:8792/v1 --model sim-model --rpm 500 --tpm 200000 --out sim2.csv
kill -INT $SIM; wait $SIM 2>/dev/null; tail -1 sim.log
est est-insights-200k $F --recipe review-insights --rpm 500 --tpm 200000
sim --port 8793 --latency 800 --jitter 0.3 --rpm 500 --tpm 200000
run sim-insights-200k map $F --recipe review-insights --base-url http://127.0.0.1:8793/v1 --model sim-model --rpm 500 --tpm 200000 --out sim3.csv
kill -INT $SIM; wait $SIM 2>/dev/null; tail -1 sim.log
