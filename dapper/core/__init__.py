"""The debugging core: breakpoints, stepping, stop/resume, inspection. No I/O."""
