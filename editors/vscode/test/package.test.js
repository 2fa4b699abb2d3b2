// The .vsix builds with the repository's own vsce, and holds the compiled
// extension and its manifest, not sources, tests or node_modules.
const test = require("node:test");
const assert = require("node:assert/strict");
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const vsce = path.join(root, "node_modules", ".bin", "vsce");
const flags = ["--no-dependencies", "--skip-license", "--allow-missing-repository"];

test("vsce packages the extension into a .vsix", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dapper-vsix-"));
  try {
    const out = path.join(dir, "dapper.vsix");
    execFileSync(vsce, ["package", ...flags, "--out", out], { cwd: root, stdio: "pipe" });
    const bytes = fs.readFileSync(out);
    assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK"); // a zip archive
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the package holds the compiled extension and nothing of the sources", () => {
  const files = execFileSync(vsce, ["ls", ...flags.slice(0, 1)], { cwd: root, encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  for (const needed of ["package.json", "README.md", "out/extension.js", "out/interpreter.js", "out/status.js"]) {
    assert.ok(files.includes(needed), `${needed} missing from ${files.join(", ")}`);
  }
  for (const file of files) {
    assert.ok(!/^(src|test|e2e|node_modules|scripts)\//.test(file), `${file} should not be packaged`);
  }
});
