"""A hostile local process: connects to every loopback port that starts
listening, as fast as it can, pretends to be the debuggee and records what it
is sent. Usage: hijacker.py MARKER RESULT (runs until RESULT's parent asks it to
stop by closing its stdin)."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading

FAKE_PROOF = b"DAPPER-PROOF " + b"0" * 64 + b"\n"
INJECTED = b'{"seq":1,"type":"event","event":"output","body":{"category":"console","output":"INJECTED\\n"}}'


def listening_ports() -> set[int]:
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def attack(port: int, marker: str, results: list) -> None:
    record = {"port": port, "received": 0, "closed_by_peer": False}
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as exc:
        record["error"] = str(exc)
        results.append(record)
        return
    record["connected"] = True
    with open(marker, "w"):
        pass
    try:
        sock.sendall(FAKE_PROOF + b"Content-Length: %d\r\n\r\n" % len(INJECTED) + INJECTED)
        sock.settimeout(20)
        while True:
            data = sock.recv(65536)
            if not data:
                record["closed_by_peer"] = True
                break
            record["received"] += len(data)
    except ConnectionResetError:
        record["closed_by_peer"] = True
    except OSError as exc:
        record["error"] = str(exc)
    finally:
        sock.close()
    results.append(record)


def main() -> None:
    marker, result = sys.argv[1], sys.argv[2]
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    seen: set[int] = set()
    results: list = []
    attackers = []
    while not stop.is_set():
        for port in listening_ports() - seen:
            seen.add(port)
            thread = threading.Thread(target=attack, args=(port, marker, results))
            thread.start()
            attackers.append(thread)
        stop.wait(0.001)
    for thread in attackers:
        thread.join()
    with open(result + ".tmp", "w") as handle:
        json.dump(results, handle)
    os.replace(result + ".tmp", result)


if __name__ == "__main__":
    main()
