// End-to-end: the built .vsix in a real VS Code (code-server), driven by
// headless Chromium through playwright-core. A user's path: open a workspace
// with a small program, set a breakpoint, start "Run and Debug" with a dapper
// configuration, see it stop there with a variable's value, see the backend in
// the status bar. A screenshot of the stopped editor goes to e2e/artifacts/.
//
// Needs: Node 20, npm, /usr/bin/chromium (Debian's `chromium`), the build
// tools code-server's native modules need (Debian: build-essential
// libkrb5-dev, and ripgrep: see seedRipgrepCache), and a Python with Dapper installed (DAPPER_E2E_PYTHON, else the
// checkout's .venv-3.12/.venv-3.13/.venv-3.11 made by scripts/test).
// code-server and playwright-core are installed on first use into
// DAPPER_E2E_TOOLS (default ~/.cache/dapper-vscode-e2e), not the repository.
// Everything listens on 127.0.0.1 only.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionDir = path.resolve(here, "..");
const repoRoot = path.resolve(extensionDir, "..", "..");
const artifacts = path.join(here, "artifacts");
const tools = process.env.DAPPER_E2E_TOOLS || path.join(os.homedir(), ".cache", "dapper-vscode-e2e");
const chromiumPath = process.env.DAPPER_E2E_CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT = 120_000; // a loaded 2-core machine takes long to start the workbench

const codeServerDir = path.join(tools, "node_modules", "code-server");

function toolsReady() {
  const pinned = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")).dependencies;
  const versionsMatch = Object.entries(pinned).every(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(tools, "node_modules", name, "package.json"), "utf8")).version === version;
    } catch {
      return false;
    }
  });
  // code-server's postinstall finished: VS Code's modules are in place.
  return versionsMatch && fs.existsSync(path.join(codeServerDir, "lib", "vscode", "node_modules.asar"));
}

function installTools() {
  if (toolsReady()) {
    return;
  }
  fs.mkdirSync(tools, { recursive: true });
  fs.copyFileSync(path.join(here, "package.json"), path.join(tools, "package.json"));
  console.log(`installing code-server and playwright-core into ${tools} (10+ minutes the first time)`);
  const run = (args, env = process.env) => execFileSync("npm", args, { cwd: tools, stdio: "inherit", env });
  run(["install", "--no-audit", "--no-fund", "--ignore-scripts"]);
  seedRipgrepCache();
  // Now the install scripts: argon2 builds from source (its prebuilt binary is
  // out of reach), code-server's postinstall installs VS Code's modules and
  // builds the native ones. As root code-server refuses to run without
  // unsafe-perm, and node-pty's build fetches node-gyp with npx, which must not
  // stop to ask.
  run(["rebuild"], { ...process.env, npm_config_unsafe_perm: "true", npm_config_yes: "true" });
  if (!toolsReady()) {
    throw new Error("code-server's postinstall did not complete (see the npm output above)");
  }
}

// VS Code's @vscode/ripgrep downloads its rg binary at install time from
// outside the package registries, which this machine cannot reach. It looks
// in a download cache first, so Debian's ripgrep (same rg 13) is put there.
function seedRipgrepCache() {
  const shrinkwrap = JSON.parse(fs.readFileSync(path.join(codeServerDir, "lib", "vscode", "npm-shrinkwrap.json"), "utf8"));
  const packageVersion = shrinkwrap.packages["node_modules/@vscode/ripgrep"].version;
  const rgRelease = "v13.0.0-10"; // what @vscode/ripgrep 1.15.x asks for on x64 Linux
  const rg = ["/usr/bin/rg", "/usr/local/bin/rg"].find((p) => fs.existsSync(p));
  if (!rg) {
    throw new Error("code-server's install needs rg: install Debian's ripgrep (apt-get install ripgrep)");
  }
  const cache = path.join(os.tmpdir(), `vscode-ripgrep-cache-${packageVersion}`);
  const asset = path.join(cache, `ripgrep-${rgRelease}-x86_64-unknown-linux-musl.tar.gz`);
  if (fs.existsSync(asset)) {
    return;
  }
  fs.mkdirSync(cache, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "dapper-rg-"));
  fs.copyFileSync(rg, path.join(staging, "rg"));
  fs.chmodSync(path.join(staging, "rg"), 0o755);
  execFileSync("tar", ["czf", asset, "-C", staging, "rg"]);
  fs.rmSync(staging, { recursive: true, force: true });
}

function dapperPython() {
  const candidates = [
    process.env.DAPPER_E2E_PYTHON,
    ...["3.12", "3.13", "3.11"].map((v) => path.join(repoRoot, `.venv-${v}`, "bin", "python")),
  ].filter(Boolean);
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ["-c", "import dapper.adapter"], { stdio: "ignore", env: withoutPythonPath() });
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`no Python with Dapper installed among: ${candidates.join(", ")} (run scripts/test once, or set DAPPER_E2E_PYTHON)`);
}

function withoutPythonPath() {
  const env = { ...process.env };
  delete env.PYTHONPATH;
  return env;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function buildVsix() {
  execFileSync("npx", ["tsc", "-p", "."], { cwd: extensionDir, stdio: "inherit" });
  execFileSync(
    "npx",
    ["vsce", "package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "--out", "dapper-vscode.vsix"],
    { cwd: extensionDir, stdio: "inherit" },
  );
  return path.join(extensionDir, "dapper-vscode.vsix");
}

const PROGRAM = `def total(prices):
    answer = sum(prices) * 2
    return answer


result = total([1, 2, 18])
print("result", result)
`;
const BREAK_LINE = 3; // "return answer": answer is 42 there

function makeWorkspace(root, python) {
  const workspace = path.join(root, "workspace");
  fs.mkdirSync(path.join(workspace, ".vscode"), { recursive: true });
  fs.writeFileSync(path.join(workspace, "app.py"), PROGRAM);
  fs.writeFileSync(
    path.join(workspace, ".vscode", "launch.json"),
    JSON.stringify(
      {
        version: "0.2.0",
        configurations: [
          {
            name: "Dapper: app.py",
            type: "dapper",
            request: "launch",
            program: "${workspaceFolder}/app.py",
            console: "internalConsole",
            justMyCode: true,
          },
        ],
      },
      null,
      2,
    ),
  );
  // No ms-python.python here (it is not available offline): the extension
  // must fall back to this setting.
  fs.writeFileSync(path.join(workspace, ".vscode", "settings.json"), JSON.stringify({ "dapper.python": python }, null, 2));
  return workspace;
}

function startCodeServer(port, dirs, workspace) {
  const binary = path.join(tools, "node_modules", ".bin", "code-server");
  const child = spawn(
    binary,
    [
      "--bind-addr", `127.0.0.1:${port}`,
      "--auth", "none",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      "--disable-getting-started-override",
      "--user-data-dir", dirs.user,
      "--extensions-dir", dirs.extensions,
      workspace,
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env: withoutPythonPath() },
  );
  let log = "";
  const ready = new Promise((resolve, reject) => {
    const onData = (data) => {
      log += data.toString();
      if (/HTTP server listening on/.test(log)) {
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`code-server exited with ${code}:\n${log}`)));
  });
  return { child, ready, log: () => log };
}

function stopProcessGroup(child) {
  if (child && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

// Runs a command from the palette. A command shows only once its context
// holds (Toggle Breakpoint needs the debugger contributions loaded), so the
// palette is reopened until the command is listed, up to STEP_TIMEOUT.
// The debugged program runs in its own session: if the test fails while it is
// paused, ending code-server may not reach it. End whatever runs from our
// temporary workspace, by pid.
function stopProgramsUnder(root) {
  let listing = "";
  try {
    listing = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  } catch {
    return;
  }
  for (const line of listing.split("\n")) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match && match[2].includes(root) && Number(match[1]) !== process.pid) {
      try {
        process.kill(Number(match[1]), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

async function runCommand(page, title, { staysOpen = false } = {}) {
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const input = page.locator(".quick-input-widget input");
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    await page.keyboard.press("F1");
    await input.waitFor({ state: "visible", timeout: STEP_TIMEOUT });
    await input.fill(`>${title}`);
    // The row whose label is exactly the title ("Debug: Start Debugging", not
    // "Debug: Select and Start Debugging", which may be ranked first).
    const row = page
      .locator(".quick-input-list .monaco-list-row")
      .filter({ has: page.locator(".label-name", { hasText: new RegExp(`^${escaped}$`) }) })
      .first();
    try {
      await row.waitFor({ timeout: 5_000 });
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`command "${title}" never appeared in the palette`);
      }
      await page.keyboard.press("Escape");
      await input.waitFor({ state: "hidden", timeout: STEP_TIMEOUT });
      continue;
    }
    await row.click();
    if (!staysOpen) {
      await input.waitFor({ state: "hidden", timeout: STEP_TIMEOUT });
    }
    return;
  }
}

test("code-server: a dapper launch stops at a breakpoint and shows a variable", { timeout: 900_000 }, async () => {
  installTools();
  const python = dapperPython();
  const vsix = buildVsix();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dapper-code-server-"));
  const dirs = { user: path.join(root, "user"), extensions: path.join(root, "extensions"), browser: path.join(root, "browser") };
  const workspace = makeWorkspace(root, python);
  fs.mkdirSync(artifacts, { recursive: true });

  const install = execFileSync(
    path.join(tools, "node_modules", ".bin", "code-server"),
    ["--user-data-dir", dirs.user, "--extensions-dir", dirs.extensions, "--install-extension", vsix],
    { encoding: "utf8" },
  );
  assert.match(install, /successfully installed/i);

  const port = await freePort();
  const server = startCodeServer(port, dirs, workspace);
  const require = createRequire(path.join(tools, "node_modules", "playwright-core", "package.json"));
  const { chromium } = require("playwright-core");
  let context;
  try {
    await server.ready;
    context = await chromium.launchPersistentContext(dirs.browser, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: STEP_TIMEOUT });
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "app.py" }).waitFor({ timeout: STEP_TIMEOUT });

    // Open app.py and put a breakpoint on the "return answer" line.
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "app.py" }).click();
    const editor = page.locator(".editor-instance .monaco-editor").first();
    await editor.waitFor({ timeout: STEP_TIMEOUT });
    await page.locator(".view-lines", { hasText: "return answer" }).waitFor({ timeout: STEP_TIMEOUT });
    await editor.locator(".view-lines").click();
    await runCommand(page, "Go to Line/Column...", { staysOpen: true });
    await page.keyboard.type(String(BREAK_LINE));
    await page.keyboard.press("Enter");
    await runCommand(page, "Debug: Toggle Breakpoint");
    await page.locator(".codicon-debug-breakpoint").first().waitFor({ timeout: STEP_TIMEOUT });

    // Run and Debug with the dapper configuration from launch.json.
    await runCommand(page, "Debug: Start Debugging");

    // Stopped at the breakpoint: the editor marks the line, the Variables view
    // shows answer = 42.
    await page.locator(".debug-top-stack-frame-line, .codicon-debug-stackframe").first().waitFor({ timeout: STEP_TIMEOUT });
    const variables = page.locator(".debug-variables .monaco-list-row", { hasText: "answer" });
    await variables.first().waitFor({ timeout: STEP_TIMEOUT });
    const answerRow = (await variables.first().innerText()).replace(/\s+/g, " ");
    assert.match(answerRow, /^answer\s*[:=]\s*42$/);
    const stack = await page.locator(".debug-call-stack").innerText();
    assert.match(stack, /^total\s+app\.py\s+3:1/);
    await page.getByText("Paused on breakpoint").first().waitFor({ timeout: STEP_TIMEOUT });

    // The status bar names the backend Dapper reports for this session.
    const statusItem = page.locator(".statusbar-item", { hasText: /Dapper: (eval_frame|sys\.monitoring|settrace|starting)/ });
    await page.locator(".statusbar-item", { hasText: /Dapper: (eval_frame|sys\.monitoring|settrace)$/ }).waitFor({ timeout: STEP_TIMEOUT });
    const statusText = (await statusItem.innerText()).trim();

    await page.screenshot({ path: path.join(artifacts, "stopped.png") });
    console.log(`stopped at line ${BREAK_LINE}: "${answerRow}"; status bar: "${statusText}"`);

    // "Dapper: Show Backend Status" explains the backend in words.
    await runCommand(page, "Dapper: Show Backend Status");
    const dialog = page.locator(".monaco-dialog-box");
    await dialog.waitFor({ timeout: STEP_TIMEOUT });
    const explained = (await dialog.innerText()).replace(/\s+/g, " ");
    assert.match(explained, /Dapper is using (the compiled eval-frame hook|sys\.monitoring|sys\.settrace)/);
    assert.match(explained, /Why: /);
    await page.screenshot({ path: path.join(artifacts, "backend-status.png") });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden", timeout: STEP_TIMEOUT });

    // Continue: the program ends and prints its result in the Debug Console.
    await runCommand(page, "Debug: Continue");
    await page.locator(".repl", { hasText: "result 42" }).waitFor({ timeout: STEP_TIMEOUT });
    await statusItem.waitFor({ state: "hidden", timeout: STEP_TIMEOUT });
  } catch (error) {
    if (context) {
      const page = context.pages()[0];
      if (page) {
        await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => {});
      }
    }
    throw new Error(`${error.message}\n--- code-server log ---\n${server.log().slice(-4000)}`);
  } finally {
    if (context) {
      await context.close().catch(() => {});
    }
    stopProcessGroup(server.child);
    stopProgramsUnder(root);
    fs.rmSync(root, { recursive: true, force: true });
  }
});
