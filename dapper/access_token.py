"""Access tokens: who may drive a debuggee.

A debuggee that accepts a DAP connection runs any code its client asks for, so
every port Dapper opens is guarded by a secret:

- **connect-back** (``launch``): the adapter listens on a loopback port for the
  program it started. It hands that program a fresh secret in the environment
  variable :data:`CONNECT_ENV` (removed from the program's ``os.environ`` before
  user code runs). The program's first bytes on the socket are
  :func:`connect_proof`; the adapter's :class:`ProvenAcceptor` checks them
  before it sends anything, and drops every connection that fails.
- **listen attach** (``attach {"listen": ...}``, ``python -m dapper --connect``,
  ``dapper.connect()``): the adapter waits and the program connects in. When the
  client's ``attach`` carries a token (required beyond loopback), the program
  must send :func:`connect_proof` of that same token first (from ``--token-file``
  or :data:`TOKEN_ENV`), checked by :class:`ProvenAcceptor` as above.
- **listen** (``python -m dapper --listen``, attach): the debuggee serves DAP and
  the client puts the token in the ``attach`` (or ``launch``) arguments under
  :data:`ATTACH_KEY`. Until that check passes only ``initialize`` and
  ``disconnect`` are answered. The token comes from ``--token-file`` or the
  environment variable :data:`TOKEN_ENV` (never the command line, where ``ps``
  shows it), or is generated and printed once.

Every comparison is constant-time (:func:`matches`).
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import sys
import time
from collections.abc import Callable, MutableMapping

#: Environment variable holding the token a ``--listen`` debuggee requires.
TOKEN_ENV = "DAPPER_ACCESS_TOKEN"
#: Environment variable the adapter uses to pass its connect-back secret.
CONNECT_ENV = "DAPPER_CONNECT_SECRET"
#: Key of the token in ``attach``/``launch`` arguments (a client sends it).
ATTACH_KEY = "accessToken"

_PROOF_MAGIC = b"DAPPER-PROOF "
_PROOF_LEN = 64  # hex characters of a generated secret


def generate() -> str:
    """A fresh random token (256 bits, hex), from the OS's CSPRNG (what
    ``secrets.token_hex`` reads; ``secrets`` itself costs every debugged child
    process an import of ``random`` and ``hmac``)."""
    return os.urandom(_PROOF_LEN // 2).hex()


def _same(a: bytes, b: bytes) -> bool:
    """Constant-time comparison (``hmac.compare_digest``, imported on first use:
    it loads OpenSSL, which a child process's start does not need)."""
    import hmac

    return hmac.compare_digest(a, b)


def matches(expected: str | None, given: object) -> bool:
    """Whether ``given`` is the token, compared in constant time. A missing
    expected token matches nothing; a non-string given token never matches."""
    if not expected or not isinstance(given, str):
        return False
    return _same(expected.encode("utf-8"), given.encode("utf-8", "surrogatepass"))


def load_file(path: str) -> str:
    """The token stored in ``path`` (surrounding whitespace stripped).

    Raises ``ValueError`` for an empty file and ``OSError`` if it cannot be read.
    """
    with open(path, encoding="utf-8") as handle:
        token = handle.read().strip()
    if not token:
        raise ValueError(f"the token file {path!r} is empty")
    return token


def take_env(name: str = TOKEN_ENV, environ: MutableMapping[str, str] | None = None) -> str | None:
    """Remove ``name`` from the environment (so the program and its children do
    not see it) and return its value, or None when unset or empty."""
    environ = os.environ if environ is None else environ
    value = environ.pop(name, None)
    return value or None


def listen_token(
    host: str,
    *,
    token_file: str | None = None,
    no_token: bool = False,
    env_token: str | None = None,
    who: str = "dapper",
) -> str | None:
    """The token a server listening on ``host`` requires: from ``token_file`` or
    the environment; generated and printed once (on stderr) beyond loopback;
    None on loopback without one, or with ``no_token`` (warned).

    Raises ``ValueError`` when both options are given or the file is unusable.
    """
    if token_file and no_token:
        raise ValueError("--token-file and --no-token exclude each other")
    if token_file:
        try:
            return load_file(token_file)
        except OSError as exc:
            raise ValueError(f"cannot read the token file: {exc}") from None
    if env_token:
        return env_token
    if is_loopback(host):
        return None
    if no_token:
        print(
            f"{who}: WARNING: --no-token: anyone who can reach {host} may run any code "
            "in the debugged program",
            file=sys.stderr,
        )
        return None
    token = generate()
    print(
        f"{who}: clients must send this access token as '{ATTACH_KEY}' in launch/attach: {token}",
        file=sys.stderr,
        flush=True,
    )
    return token


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------- connect-back


def connect_proof(secret: str) -> bytes:
    """What a launched debuggee sends first on its connect-back socket."""
    return _PROOF_MAGIC + secret.encode("utf-8", "surrogatepass") + b"\n"


def send_connect_proof(sock: socket.socket, secret: str) -> None:
    sock.sendall(connect_proof(secret))


class ProvenAcceptor:
    """Accepts connections on a connect-back listener and hands out only one
    that sent the right proof.

    Several connections may be pending at once, so a process that connects and
    stays silent cannot delay the real debuggee; each gets ``proof_timeout``
    seconds and at most a proof's length of bytes. Nothing is ever sent to a
    connection before its proof checked out; failures are closed.
    """

    def __init__(
        self,
        listener: socket.socket,
        secret: str,
        *,
        proof_timeout: float = 5.0,
        max_pending: int = 16,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        """``on_refused(peer)`` hears of each connection dropped (``HOST:PORT``)."""
        self._listener = listener
        self._on_refused = on_refused
        self._expected = connect_proof(secret)
        self._proof_timeout = proof_timeout
        self._max_pending = max_pending
        #: socket -> (bytes so far, deadline)
        self._pending: dict[socket.socket, tuple[bytes, float]] = {}
        self._peers: dict[socket.socket, str] = {}
        #: connections refused so far (for logs and tests)
        self.refused = 0

    def accept(self, timeout: float) -> socket.socket | None:
        """A proven connection (blocking mode), or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            for sock, (_, expires) in list(self._pending.items()):
                if expires <= now:
                    self._drop(sock)
            wait = min([deadline - now] + [e - now for _, e in self._pending.values()])
            try:
                ready, _, _ = select.select([self._listener, *self._pending], [], [], max(wait, 0))
            except (OSError, ValueError):
                return None
            for sock in ready:
                if sock is self._listener:
                    self._accept_one()
                    continue
                proven = self._read(sock)
                if proven:
                    return proven
            if time.monotonic() >= deadline:
                return None

    def _accept_one(self) -> None:
        try:
            sock, peer = self._listener.accept()
        except OSError:
            return
        self._peers[sock] = f"{peer[0]}:{peer[1]}"
        if len(self._pending) >= self._max_pending:
            self._drop(next(iter(self._pending)))
        sock.setblocking(False)
        self._pending[sock] = (b"", time.monotonic() + self._proof_timeout)

    def _read(self, sock: socket.socket) -> socket.socket | None:
        received, expires = self._pending[sock]
        try:
            chunk = sock.recv(len(self._expected) - len(received))
        except BlockingIOError:
            return None
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(sock)
            return None
        received += chunk
        if len(received) < len(self._expected):
            self._pending[sock] = (received, expires)
            return None
        del self._pending[sock]
        if not _same(received, self._expected):
            self._refuse(sock)
            return None
        self._peers.pop(sock, None)
        sock.setblocking(True)
        return sock

    def _drop(self, sock: socket.socket) -> None:
        self._pending.pop(sock, None)
        self._refuse(sock)

    def _refuse(self, sock: socket.socket) -> None:
        self.refused += 1
        peer = self._peers.pop(sock, "?")
        sock.close()
        if self._on_refused is not None:
            self._on_refused(peer)

    def close(self) -> None:
        """Close every connection still waiting to prove itself."""
        for sock in list(self._pending):
            self._drop(sock)
