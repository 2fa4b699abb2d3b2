"""Engine-side debugger logic with no I/O: breakpoints, stepping, stop/resume, inspection."""
