"""The smallest program worth debugging: measures a session's fixed cost."""

print("hello from a trivial program")
