// The process picker's list: real ps output, Python processes first.
const test = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("child_process");
const { parsePs, isPythonCommand, listProcesses } = require("../out/processes");
const { python } = require("./helpers");

test("parsePs reads pid and command, drops our own pid, sorts Python first", () => {
  const output = "    1 /sbin/init\n  200 /usr/bin/python3.12 app.py --port 1\n  300 node server.js\n  999 me\n\n";
  assert.deepEqual(parsePs(output, 999), [
    { pid: 200, command: "/usr/bin/python3.12 app.py --port 1", isPython: true },
    { pid: 1, command: "/sbin/init", isPython: false },
    { pid: 300, command: "node server.js", isPython: false },
  ]);
});

test("isPythonCommand recognises interpreters, not scripts that mention python", () => {
  for (const yes of ["python", "python3", "/venv/bin/python3.13 -m x", "C:\\Py\\python.exe a.py"]) {
    assert.ok(isPythonCommand(yes), yes);
  }
  for (const no of ["/usr/bin/pythonista", "vim python.py", "ipython3"]) {
    assert.ok(!isPythonCommand(no), no);
  }
});

test("listProcesses shows a running Python program with its pid", async () => {
  const child = spawn(python, ["-c", "import sys; sys.stdin.read()"], { stdio: ["pipe", "ignore", "ignore"] });
  try {
    const processes = await listProcesses();
    const found = processes.find((p) => p.pid === child.pid);
    assert.ok(found, "the child is listed");
    assert.match(found.command, /sys\.stdin\.read/);
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.on("exit", resolve));
  }
});
