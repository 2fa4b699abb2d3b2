// The contributed configuration schema against the keys the adapter accepts,
// read from the adapter itself (python -m dapper.adapter --print-launch-keys),
// so a key added to Dapper without a schema entry fails here.
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const { python, pythonEnv } = require("./helpers");

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
const debuggerEntry = manifest.contributes.debuggers.find((d) => d.type === "dapper");
const attributes = debuggerEntry.configurationAttributes;
const accepted = JSON.parse(
  execFileSync(python, ["-m", "dapper.adapter", "--print-launch-keys"], { env: pythonEnv, encoding: "utf8" }),
);
const CLIENT_KEYS = ["type", "request", "name"]; // VS Code's own, never in configurationAttributes

for (const request of ["launch", "attach"]) {
  test(`the ${request} schema has exactly the keys the adapter accepts`, () => {
    assert.deepEqual(Object.keys(attributes[request].properties).sort(), [...accepted[request]].sort());
  });

  test(`every ${request} key has a description and a default of its type`, () => {
    for (const [key, schema] of Object.entries(attributes[request].properties)) {
      assert.ok((schema.description || schema.markdownDescription || "").length > 10, `${key}: no description`);
      assert.ok("default" in schema, `${key}: no default`);
      const types = [].concat(schema.type);
      const actual = Array.isArray(schema.default) ? "array" : schema.default === null ? "null" : typeof schema.default;
      const allowed = types.map((t) => (t === "integer" ? "number" : t));
      assert.ok(allowed.includes(actual), `${key}: default ${JSON.stringify(schema.default)} is not ${types}`);
      if (schema.enum) {
        assert.ok(schema.enum.includes(schema.default), `${key}: default not in enum`);
      }
    }
  });
}

test("frameEval's schema has exactly the keys Dapper's frameEval accepts, in launch and attach", () => {
  for (const request of ["launch", "attach"]) {
    const frameEval = attributes[request].properties.frameEval;
    assert.equal(frameEval.additionalProperties, false);
    assert.deepEqual(Object.keys(frameEval.properties).sort(), [...accepted.frameEval].sort());
  }
});

test("frameEval's backend choices are the ones Dapper accepts", () => {
  const script =
    "import json; from dapper._frame_eval.config import BACKENDS, TRACING_BACKENDS;" +
    "print(json.dumps([BACKENDS, TRACING_BACKENDS]))";
  const [backends, tracing] = JSON.parse(execFileSync(python, ["-c", script], { env: pythonEnv, encoding: "utf8" }));
  const properties = attributes.launch.properties.frameEval.properties;
  assert.deepEqual(properties.backend.enum, backends);
  assert.deepEqual(properties.tracingBackend.enum, tracing);
});

test("initial configurations and snippets use only schema keys", () => {
  const bodies = [
    ...debuggerEntry.initialConfigurations,
    ...debuggerEntry.configurationSnippets.map((s) => s.body),
  ];
  assert.ok(bodies.length >= 4);
  for (const body of bodies) {
    const known = new Set([...CLIENT_KEYS, ...Object.keys(attributes[body.request].properties)]);
    for (const key of Object.keys(body)) {
      assert.ok(known.has(key), `${body.name}: unknown key ${key}`);
    }
    assert.equal(body.type, "dapper");
  }
});

test("snippets cover current file, module and attach by port", () => {
  const bodies = debuggerEntry.configurationSnippets.map((s) => s.body);
  assert.ok(bodies.some((b) => b.request === "launch" && b.program));
  assert.ok(bodies.some((b) => b.request === "launch" && b.module));
  assert.ok(bodies.some((b) => b.request === "attach" && b.connect && b.connect.port));
});

// Attaching by process id needs the adapter to accept "processId" (issue 11);
// until it does this is a to-do, and it becomes a real check once it does.
const pidTodo = accepted.attach.includes("processId") ? false : "the adapter does not accept processId yet";
test("a snippet attaches by process id through the process picker", { todo: pidTodo }, () => {
  const bodies = debuggerEntry.configurationSnippets.map((s) => s.body);
  const byPid = bodies.find((b) => b.request === "attach" && "processId" in b);
  assert.ok(byPid, "no attach-by-process-id snippet");
  assert.equal(byPid.processId, "${command:pickProcess}");
  assert.equal(debuggerEntry.variables.pickProcess, "dapper.pickProcess");
});

test("every command the manifest names is contributed and activates the extension", () => {
  const commands = manifest.contributes.commands.map((c) => c.command);
  assert.ok(commands.includes("dapper.showBackendStatus"));
  for (const command of commands) {
    assert.ok(manifest.activationEvents.includes(`onCommand:${command}`), command);
  }
  assert.deepEqual(manifest.extensionKind, ["workspace"]); // the adapter runs where the program runs
});
