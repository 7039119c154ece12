#!/usr/bin/python3
# Runs one command and reports its exact resource use: forks, execs, and reaps it with
# os.wait4, whose rusage is the kernel's own count of the child's user and system CPU (and of
# any children it reaped). The child's stdout/stderr pass through untouched; the report is the
# last line of stdout: "RUSAGE {json}". Usage: rusage.py [--timeout=SECONDS] -- CMD ARGS...
import json
import os
import signal
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    timeout = 600.0
    while args and args[0].startswith("--timeout="):
        timeout = float(args[0].split("=", 1)[1])
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        print("usage: rusage.py [--timeout=SECONDS] -- CMD ARGS...", file=sys.stderr)
        return 2
    sys.stdout.flush()
    timed_out = False
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(args[0], args)
        finally:
            os._exit(127)

    def on_alarm(_signum, _frame):
        # a hung client must not hang the benchmark: kill it, wait4 then returns
        nonlocal timed_out
        timed_out = True
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    report = {
        "exitCode": os.waitstatus_to_exitcode(status),
        "timedOut": timed_out,
        "wallSeconds": wall,
        "userSeconds": ru.ru_utime,
        "systemSeconds": ru.ru_stime,
        "maxRssKiB": ru.ru_maxrss,
    }
    sys.stdout.write("\nRUSAGE " + json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
