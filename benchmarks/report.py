"""Text tables of benchmark results (Markdown, so they paste into the docs)."""

from __future__ import annotations

from typing import Any


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _debuggers(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(row["debugger"] for row in rows))


def _cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "–"
    if "error" in row:
        return "error"
    text = f"{row['ratio']:.2f}×"
    for key in ("per_evaluation_us", "per_exception_us"):
        if key in row:
            text += f" ({row[key]:.2f} µs)"
    if row.get("stops"):
        text += f" [{row['stops']} stops]"
    return text


def overhead_table(rows: list[dict[str, Any]]) -> str:
    """Ratio to plain per (workload, scenario) and debugger."""
    names = _debuggers(rows)
    index = {(r["workload"], r["scenario"], r["debugger"]): r for r in rows}
    keys = list(dict.fromkeys((r["workload"], r["scenario"]) for r in rows))
    body = []
    for workload, scenario in keys:
        plain = next(
            (
                r["plain_seconds"]
                for r in rows
                if (r["workload"], r["scenario"]) == (workload, scenario) and "ratio" in r
            ),
            None,
        )
        body.append(
            [workload, scenario, "–" if plain is None else f"{plain:.3f} s"]
            + [_cell(index.get((workload, scenario, n))) for n in names]
        )
    return _table(["workload", "scenario", "plain"] + names, body)


def compare_table(rows: list[dict[str, Any]]) -> str:
    """Each Dapper backend's ratio divided by debugpy's (below 1: Dapper is cheaper)."""
    index = {(r["workload"], r["scenario"], r["debugger"]): r for r in rows}
    names = [n for n in _debuggers(rows) if n.startswith("dapper")]
    keys = list(dict.fromkeys((r["workload"], r["scenario"]) for r in rows))
    body = []
    for workload, scenario in keys:
        theirs = index.get((workload, scenario, "debugpy"))
        cells = []
        for name in names:
            ours = index.get((workload, scenario, name))
            cells.append(
                "–" if ours is None or theirs is None else f"{ours['ratio'] / theirs['ratio']:.2f}"
            )
        body.append([workload, scenario] + cells)
    return _table(["workload", "scenario"] + [f"{n} / debugpy" for n in names], body)


def latency_table(rows: list[dict[str, Any]]) -> str:
    """Median latencies in milliseconds per metric and debugger."""
    names = _debuggers(rows)
    index = {(r["metric"], r["debugger"]): r for r in rows}
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    body = []
    for metric in metrics:
        cells = []
        for name in names:
            row = index.get((metric, name))
            if row is None:
                cells.append("–")
            else:
                cells.append("error" if "error" in row else f"{row['seconds'] * 1000:.1f} ms")
        body.append([metric] + cells)
    return _table(["metric"] + names, body)


def render(results: dict[str, Any], *, compare: bool) -> str:
    """The whole report: header, overhead, comparison (if asked) and latency."""
    meta = results["meta"]
    parts = [
        f"Python {meta['python']} on {meta['platform']}, {meta['cpus']} CPUs, {meta['date']}; "
        f"dapper {meta['versions']['dapper']}, debugpy {meta['versions']['debugpy'] or 'absent'}; "
        f"size {meta['size']}, {meta['rounds']} rounds"
        + (", CPU time" if meta.get("clock") == "cpu" else ""),
    ]
    if results["overhead"]:
        parts += [
            "",
            "Overhead (ratio to plain, median of paired rounds):",
            "",
            overhead_table(results["overhead"]),
        ]
        if compare:
            if any(r["debugger"] == "debugpy" for r in results["overhead"]):
                parts += [
                    "",
                    "Dapper over debugpy (ratio of ratios):",
                    "",
                    compare_table(results["overhead"]),
                ]
            else:
                parts += ["", "--compare: no debugpy rows (debugpy not installed or left out)."]
    if results["latency"]:
        parts += ["", "Session latency (median):", "", latency_table(results["latency"])]
    errors = [r for r in results["overhead"] + results["latency"] if "error" in r]
    if errors or results["skipped"]:
        parts.append("")
    for row in errors:
        where = row.get("metric") or f"{row['workload']} {row['scenario']}"
        parts.append(f"error: {row['debugger']} {where}: {row['error']}")
    for skipped in results["skipped"]:
        parts.append(f"skipped {skipped['debugger']}: {skipped['reason']}")
    return "\n".join(parts)
