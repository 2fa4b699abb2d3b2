// dapper/status in words (the body's shape is FrameEvalRuntime.get_status(); the
// code-server end-to-end test reads a real one through the status bar).
const test = require("node:test");
const assert = require("node:assert/strict");
const { describeStatus, backendLabel } = require("../out/status");

test("a session whose program has not started says so", () => {
  const lines = describeStatus({ status: { backend: null, hook_installed: false, reason: "not started" }, stats: {} });
  assert.deepEqual(lines, ["No backend is running yet: the program has not started."]);
  assert.equal(backendLabel({ status: { backend: null } }), undefined);
});

test("a running backend is named in words, with why and what was requested", () => {
  const body = {
    status: {
      active: true,
      backend: "sys.monitoring",
      hook_installed: false,
      reason: "tracing family: sys.monitoring on Python 3.12+",
      fallback_from: null,
      requested: { backend: "auto", tracingBackend: "auto", fallbackToTracing: true },
      interpreter: "cpython 3.12.1",
    },
    stats: { frames_seen: 1234 },
  };
  const lines = describeStatus(body);
  assert.match(lines[0], /^Dapper is using sys\.monitoring \(PEP 669\)/);
  assert.ok(lines.includes("Why: tracing family: sys.monitoring on Python 3.12+."));
  assert.ok(lines.includes("Requested in frameEval: auto."));
  assert.ok(lines.includes("Interpreter: cpython 3.12.1."));
  assert.ok(!lines.join(" ").includes("1234"), "internal counters are not shown");
  assert.equal(backendLabel(body), "sys.monitoring");
});

test("a fallback says what was asked for and what runs instead", () => {
  const lines = describeStatus({
    status: {
      backend: "settrace",
      reason: "sys.monitoring unavailable (another tool holds the debugger slot); using settrace",
      fallback_from: "tracing",
      requested: { backend: "tracing", tracingBackend: "sys.monitoring", fallbackToTracing: true },
    },
  });
  assert.match(lines[0], /sys\.settrace/);
  assert.match(lines[1], /You asked for tracing, which cannot run here, so Dapper fell back to settrace\./);
  assert.ok(lines.includes("Requested in frameEval: sys.monitoring."));
});

test("an answer without a status is reported, not thrown", () => {
  assert.match(describeStatus(undefined)[0], /did not report/);
  assert.match(describeStatus({})[0], /did not report/);
});
