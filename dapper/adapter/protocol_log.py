"""The adapter's ``--log-file`` (redacted, owner-only): now in
``dapper.protocol.log_files``, which the launcher's ``--log-to`` shares."""

from dapper.protocol.log_files import REDACTED, ProtocolTrace, open_log_file, redact

__all__ = ["REDACTED", "ProtocolTrace", "open_log_file", "redact"]
