"""Starts no child: the fixed cost of a session, subtracted from the others."""

print("done")
