"""Stops 50 frames deep, each frame holding a few locals to list."""


def descend(depth, payload):
    label = f"level {depth}"
    values = list(range(depth % 7))
    if depth == 0:
        return len(label) + len(values)  # BENCH:bottom
    return descend(depth - 1, payload) + 1


descend(49, {"key": "value", "numbers": [1, 2, 3]})
