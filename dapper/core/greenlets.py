"""Greenlets seen from a stopped thread: each live one that is not running,
with its own stack (``gr_frame``). Runs on the stopped thread; only used when
gevent is on (``gevent: true`` or gevent patched ``threading``)."""

from __future__ import annotations

import gc
import sys
from types import FrameType
from typing import Any


def _root(glet: Any) -> Any:
    while glet.parent is not None:
        glet = glet.parent
    return glet


def suspended_greenlets() -> list[Any]:
    """Live greenlets of this thread other than the running one and the hub."""
    module = sys.modules.get("greenlet")
    if module is None:
        return []
    current = module.getcurrent()
    root = _root(current)
    hub_type = getattr(sys.modules.get("gevent.hub"), "Hub", ())
    found = []
    for obj in gc.get_objects():
        if not isinstance(obj, module.greenlet) or obj is current or isinstance(obj, hub_type):
            continue
        try:
            if obj.dead or obj.gr_frame is None or _root(obj) is not root:
                continue
        except Exception:  # noqa: BLE001 - another thread's greenlet: not ours to show
            continue
        found.append(obj)
    return found


def greenlet_label(glet: Any) -> str:
    run = getattr(glet, "_run", None) or getattr(glet, "run", None)
    func = getattr(run, "__qualname__", None) or type(glet).__name__
    name = getattr(glet, "name", None) or f"{id(glet):#x}"
    return f"greenlet {name}: {func}"


def greenlet_frames(glet: Any) -> FrameType | None:
    return glet.gr_frame
