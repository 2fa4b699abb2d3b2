// Completing and checking dapper configurations before a session starts.
const test = require("node:test");
const assert = require("node:assert/strict");
const { resolveConfiguration, checkSubstituted, CURRENT_FILE } = require("../out/configuration");

test("F5 without launch.json on a Python file debugs the current file", () => {
  assert.deepEqual(resolveConfiguration({}, { activeLanguage: "python" }), { config: CURRENT_FILE });
});

test("F5 without launch.json on another file explains what to do", () => {
  const result = resolveConfiguration({}, { activeLanguage: "markdown" });
  assert.match(result.error, /Open a Python file/);
});

test("a partial configuration gets type, request and name; the rest is kept", () => {
  const result = resolveConfiguration({ type: "dapper", program: "app.py", justMyCode: false }, {});
  assert.deepEqual(result.config, {
    type: "dapper",
    request: "launch",
    name: "Dapper: Launch",
    program: "app.py",
    justMyCode: false,
  });
});

test("an unknown request is an error naming it", () => {
  assert.match(resolveConfiguration({ type: "dapper", request: "run" }, {}).error, /"run"/);
});

test("launch needs exactly one of program, module or code", () => {
  assert.match(checkSubstituted({ request: "launch" }).error, /exactly one of "program", "module" or "code"\.$/);
  assert.match(checkSubstituted({ request: "launch", program: "a.py", module: "m" }).error, /it has program, module/);
  assert.ok(checkSubstituted({ request: "launch", module: "pkg" }).config);
  assert.ok(checkSubstituted({ request: "launch", code: ["x = 1"] }).config);
  assert.match(checkSubstituted({ request: "launch", code: [] }).error, /exactly one/);
});

test("attach needs a port (connect or top-level), a listen address or a process id", () => {
  assert.match(checkSubstituted({ request: "attach" }).error, /"connect"/);
  assert.ok(checkSubstituted({ request: "attach", connect: { port: 5678 } }).config);
  assert.ok(checkSubstituted({ request: "attach", port: "5678" }).config);
});

test("a picked process id becomes a number; a dismissed picker cancels quietly", () => {
  assert.equal(checkSubstituted({ request: "attach", processId: "4242" }).config.processId, 4242);
  assert.deepEqual(checkSubstituted({ request: "attach", processId: undefined }), { cancelled: true });
  assert.deepEqual(checkSubstituted({ request: "attach", processId: "" }), { cancelled: true });
  assert.match(checkSubstituted({ request: "attach", processId: "abc" }).error, /process id/);
});

test("a child session's attach configuration from startDebugging passes unchanged", () => {
  const child = { type: "dapper", request: "attach", name: "worker.py", connect: { host: "127.0.0.1", port: 40001 }, subProcessId: 2 };
  assert.deepEqual(resolveConfiguration(child, {}).config, child);
  assert.deepEqual(checkSubstituted(child).config, child);
});
