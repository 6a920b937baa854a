#!/bin/bash
# Runs fuzz harnesses built in fuzz/build/, each for FUZZ_SECONDS (default 60),
# FUZZ_JOBS of them at a time (default: the number of CPUs).  `make -f
# Makefile.apxs fuzz` builds them and calls this.
#
#   fuzz/run.sh fuzz_origin fuzz_regex ...    (names of harnesses)
#
# Each harness starts from its seeds, fuzz/corpus/<harness>/, and grows a
# working corpus in fuzz/build/corpus/<harness>/ (kept between runs).  An
# input that crashes a harness or breaks one of its properties is saved as
# fuzz/build/artifacts/<harness>-crash-*, and the harness fails.  The log
# of each run is fuzz/build/logs/<harness>.log.
#
# It prints each harness's executions, coverage and corpus size, and ends
# with a line "N passed, M failed" (one per harness), which CI reads.
set -uo pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
cd "$(dirname "$0")"

[ $# -gt 0 ] || { echo "usage: $0 harness..." >&2; exit 2; }

# Harness: dictionary and largest input.  Access-Control-Request-Headers
# values must be able to pass 4096 bytes; the others stay small so that
# each run explores more.
options() {
    case $1 in
        fuzz_origin)          echo "-dict=origin.dict -max_len=256" ;;
        fuzz_origin_set)      echo "-dict=origin.dict -max_len=1024" ;;
        fuzz_regex)           echo "-dict=origin.dict -max_len=512" ;;
        fuzz_request_headers) echo "-dict=tokens.dict -max_len=8192" ;;
        fuzz_tokens)          echo "-dict=tokens.dict -max_len=1024" ;;
        fuzz_config)          echo "-dict=config.dict -max_len=4096" ;;
        fuzz_fields)          echo "-dict=fields.dict -max_len=1024" ;;
        *)                    echo "" ;;
    esac
}

mkdir -p build/logs build/artifacts
run_one() {
    local h=$1
    mkdir -p "build/corpus/$h" "corpus/$h"
    # New inputs go to the first directory only: the seeds stay as committed.
    # -timeout: no single input may take more than 10 s (a regex that
    # backtracks forever would).
    # shellcheck disable=SC2046
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "build/$h" $(options "$h") -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="build/artifacts/$h-" \
        "build/corpus/$h" "corpus/$h" >"build/logs/$h.log" 2>&1
}

# At most FUZZ_JOBS at a time.
declare -A pid_of
for h in "$@"; do
    [ -x "build/$h" ] || { echo "$0: build/$h is not built" >&2; exit 2; }
    while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do
        wait -n || true
    done
    echo "--- $h: ${FUZZ_SECONDS} s"
    run_one "$h" &
    pid_of[$h]=$!
done

passed=0 failed=0
for h in "$@"; do
    status=0
    wait "${pid_of[$h]}" || status=$?
    log=build/logs/$h.log
    # libFuzzer's last status line ("#123 DONE cov: 1 ft: 2 corp: 3/4b ...")
    # and -print_final_stats's "stat::number_of_executed_units".
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 \
          | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[0-9]+[a-zA-Z]*).*/\1/')
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
        echo "ok     $h: ${runs:-?} runs, $cov"
    else
        failed=$((failed + 1))
        echo "FAILED $h (exit status $status): see fuzz/$log"
        grep -E -A12 '^\*\*\* property violated|^==[0-9]+==ERROR|runtime error|^SUMMARY' \
            "$log" | head -n 40
        ls build/artifacts/"$h"-* 2>/dev/null | sed 's|^|  input: fuzz/|'
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
