"""DAP wire protocol: framing, message constructors, connections."""
