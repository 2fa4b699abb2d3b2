"""Two hosts joined by a virtual Ethernet cable, for scenarios that run inside
``run_in_netns``: this namespace is host A (10.77.0.1); host B (10.77.0.2) is a
network namespace of its own, so its connections reach A from another address
over a real interface, never through loopback."""

from __future__ import annotations

import subprocess

HOST_A = "10.77.0.1"
HOST_B = "10.77.0.2"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


class HostB:
    """Host B: a process holding a new network namespace, linked to A by veth."""

    def __init__(self) -> None:
        _ip("link", "add", "dapper0", "type", "veth", "peer", "name", "dapper1")
        self._anchor = subprocess.Popen(
            [
                "unshare",
                "-n",
                "sh",
                "-c",
                "echo ready && read go && ip link set lo up && "
                f"ip addr add {HOST_B}/24 dev dapper1 && ip link set dapper1 up && echo up && "
                "read stop",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._anchor.stdout.readline() == "ready\n"  # its namespace exists now
        _ip("link", "set", "dapper1", "netns", str(self._anchor.pid))
        _ip("addr", "add", f"{HOST_A}/24", "dev", "dapper0")
        _ip("link", "set", "dapper0", "up")
        self._anchor.stdin.write("go\n")
        self._anchor.stdin.flush()
        assert self._anchor.stdout.readline() == "up\n"

    def command(self, *argv: str) -> list[str]:
        """``argv`` run on host B."""
        return ["nsenter", "-t", str(self._anchor.pid), "-n", *argv]

    def close(self) -> None:
        self._anchor.stdin.close()
        self._anchor.wait()
