#!/usr/bin/env bash
# Runs fuzz targets on stable Rust, two at a time (see docs/fuzzing.md).
#
#   fuzz/run.sh                 # every target, 60 seconds each
#   SECONDS_PER_TARGET=600 fuzz/run.sh count treaty
#   JOBS=1 fuzz/run.sh csv
#
# Each target reads and grows fuzz/corpus/TARGET (gitignored) and also reads the
# checked-in seeds in fuzz/seeds/TARGET. Crashes land in fuzz/artifacts/TARGET/.
# Logs go to $LOG_DIR (default: a fresh directory under /tmp).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-60}
jobs=${JOBS:-2}
log_dir=${LOG_DIR:-$(mktemp -d /tmp/detente-fuzz.XXXXXX)}
mkdir -p "$log_dir"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi

# Build every target once, so that the parallel runs below do not race to build.
cargo fuzz build --fuzz-dir fuzz -s none

# The libFuzzer dictionary of each target (fuzz/dicts/), if any.
dict_of() {
    case $1 in
        csv | json | roundtrip_csv | roundtrip_json | count) echo fuzz/dicts/declaration.dict ;;
        treaty | interpretation | count_treaty) echo fuzz/dicts/toml.dict ;;
        aggregates) echo fuzz/dicts/aggregates.dict ;;
        note | checkpoint | keys | proof_bundle | witness_request | witness_http | policy) echo fuzz/dicts/log.dict ;;
        entry) echo fuzz/dicts/entry.dict ;;
    esac
}

run_one() {
    local target=$1 dict
    dict=$(dict_of "$target")
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
    if cargo fuzz run --fuzz-dir fuzz -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 ${dict:+-dict="$dict"} >"$log_dir/$target.log" 2>&1; then
        echo "$target: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log_dir/$target.log" | grep -o '[0-9]*$') executions"
    else
        echo "$target: FAILED, see $log_dir/$target.log and fuzz/artifacts/$target/"
    fi
}

echo "logs in $log_dir"
running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
