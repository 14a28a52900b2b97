# Stopping a background process that a script started and whose pid it wrote to a file. Sourced.
#
# stop_pid_file FILE SIGNAL LAST_SIGNAL   sends SIGNAL to the pid in FILE (and removes FILE), waits
#                                         up to 5 s for it to exit, then sends LAST_SIGNAL
stop_pid_file() {
    local file=$1 signal=$2 last_signal=$3 pid
    [ -f "$file" ] || return 0
    pid=$(<"$file")
    rm -f "$file"
    kill "-$signal" "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill "-$last_signal" "$pid" 2>/dev/null || true
}
