#!/usr/bin/python3
# Small-file benchmark client: in ONE ftplib session, uploads COUNT files of SIZE bytes
# (storbinary), then downloads each (retrbinary) and checks its bytes. Every transfer is a
# PASV + STOR/RETR + data connection, so this measures per-transfer overhead, not bandwidth.
# DIR is created (MKD) and entered first. Prints one JSON object. Usage: small_files.py HOST PORT USER PASSWORD DIR COUNT SIZE
import ftplib
import io
import json
import os
import sys
import time


def main() -> int:
    host, port, user, password, directory, count, size = sys.argv[1:8]
    port, count, size = int(port), int(count), int(size)
    payloads = [os.urandom(size) for _ in range(min(count, 16))]
    ftp = ftplib.FTP()
    ftp.connect(host, port, timeout=30)
    ftp.login(user, password)
    try:
        ftp.mkd(directory)
    except ftplib.error_perm:
        pass  # already there
    ftp.cwd(directory)
    names = [f"f{i:05d}.bin" for i in range(count)]
    t0 = time.monotonic()
    for i, name in enumerate(names):
        ftp.storbinary(f"STOR {name}", io.BytesIO(payloads[i % len(payloads)]))
    t1 = time.monotonic()
    bad = 0
    for i, name in enumerate(names):
        got = bytearray()
        ftp.retrbinary(f"RETR {name}", got.extend)
        if bytes(got) != payloads[i % len(payloads)]:
            bad += 1
    t2 = time.monotonic()
    ftp.quit()
    print(json.dumps({
        "files": count,
        "bytes": size,
        "uploadSeconds": t1 - t0,
        "downloadSeconds": t2 - t1,
        "corrupt": bad,
    }))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
