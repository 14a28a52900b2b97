# A step of scripts/test after the suite that counts its own tests (the browser tests, the API fuzz
# step). Sourced, not executed. It adds to scripts/test's own variables: passed, failed, skipped
# and status (the first failing exit status), and keeps its log in the folder pg_dir.
#
# counted_step NAME LIMIT ENSURE UNAVAILABLE STALLED ARTIFACTS ARTIFACTS_LABEL COMMAND...
#   Runs ENSURE (installs what the step needs), then COMMAND under the time limit LIMIT, its output
#   shown and kept in a log. The step's count is the last line `NAME: N passed, M failed` (with
#   `, K skipped` at times) of that log; a step that printed none counts one failure. When ENSURE
#   fails, the log gets `NAME: 0 passed, 1 failed`, followed by ` (UNAVAILABLE)` unless that is
#   empty. STALLED, unless empty, is said when the command ran out of time before its count.
#   ARTIFACTS is the folder COMMAND was given for screenshots or reports: kept and named after
#   ARTIFACTS_LABEL when the step fails, removed when it passes.
counted_step() {
    local name=$1 limit=$2 ensure=$3 unavailable=$4 stalled=$5 artifacts=$6 artifacts_label=$7
    shift 7
    local log="$pg_dir/$name.log" step_status counts
    set +e
    if "$ensure"; then
        # Bounded, as the suite is; timeout signals the step's whole process group.
        timeout --kill-after=30s "$limit" "$@" 2>&1 | tee "$log"
        step_status=${PIPESTATUS[0]}
    else
        echo "$name: 0 passed, 1 failed${unavailable:+ ($unavailable)}" | tee "$log"
        step_status=1
    fi
    set -e
    counts=$( (grep -aE "^$name: [0-9]+ passed, [0-9]+ failed" "$log" || true) | tail -n 1)
    if [ -n "$counts" ]; then
        passed=$(( passed + $(echo "$counts" | sed -E "s/^$name: ([0-9]+) passed.*/\1/") ))
        failed=$(( failed + $(echo "$counts" | sed -E "s/^$name: [0-9]+ passed, ([0-9]+) failed.*/\1/") ))
        skipped=$(( skipped + $(echo "$counts" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0) ))
    else
        if [ -n "$stalled" ] && { [ "$step_status" -eq 124 ] || [ "$step_status" -eq 137 ]; }; then
            echo "$stalled"
        fi
        failed=$(( failed + 1 ))
    fi
    if [ "$step_status" -ne 0 ]; then
        [ "$status" -ne 0 ] || status=$step_status
        echo "$artifacts_label: $artifacts"
    else
        rm -rf "$artifacts"
    fi
}
