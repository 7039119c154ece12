#!/usr/bin/python3
# Runs the benchmark driver as a child subreaper (prctl PR_SET_CHILD_SUBREAPER). A forking FTP
# server's session processes can outlive their parent (vsftpd's post-login process is often not
# reaped by its privileged parent): they are then re-parented to the nearest subreaper instead
# of init, so they end up here. Each one reaped here gets its exact wait4 rusage appended as one
# JSON line to LOG, which the driver adds to that server's CPU time. Without this, such a
# process's CPU is lost and vsftpd's numbers come out randomly near zero.
# Usage: subreaper.py LOG -- CMD ARGS...   (exits with CMD's exit code)
import ctypes
import json
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print("usage: subreaper.py LOG -- CMD ARGS...", file=sys.stderr)
        return 2
    log_path, cmd = sys.argv[1], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"subreaper: prctl failed: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 1
    main_pid = os.fork()
    if main_pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    # Ctrl-C reaches the driver too (same process group): it stops its servers and exits;
    # SIGTERM sent to us is passed on
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda _s, _f: os.kill(main_pid, signal.SIGTERM))
    code = 1
    deadline = None
    with open(log_path, "a", buffering=1) as log:
        while True:
            if deadline is not None and time.monotonic() > deadline:
                break
            try:
                # peek first: a zombie's /proc entry (its name) is readable until it is reaped
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT | (os.WNOHANG if deadline else 0))
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if info is None:
                time.sleep(0.05)
                continue
            pid = info.si_pid
            try:
                with open(f"/proc/{pid}/comm") as f:
                    name = f.read().strip()
            except OSError:
                name = "?"
            _, status, ru = os.wait4(pid, 0)
            if pid == main_pid:
                code = os.waitstatus_to_exitcode(status)
                if code < 0:
                    code = 128 - code
                # orphans still exiting get a short grace, then we leave them to init
                deadline = time.monotonic() + 2.0
                continue
            log.write(json.dumps({"pid": pid, "name": name, "user": ru.ru_utime, "system": ru.ru_stime, "at": time.time()}) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
