/**
 * Finding out whether Dapper is installed in an interpreter, and installing
 * it there, so a missing install is an offer instead of "Debug adapter didn't
 * respond".
 *
 * Free of the `vscode` module: unit-tested under plain Node.
 */
import { execFile } from "child_process";

export interface ProbeResult {
  ok: boolean;
  /** Why not, in words: interpreter missing, Dapper missing, or the interpreter's own error. */
  problem?: "no-interpreter" | "no-dapper" | "error";
  detail?: string;
}

/** Runs `<python> -c "import dapper.adapter"`; tells what is missing. */
export function probeDapper(command: string[], env?: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [exe, ...args] = command;
    execFile(
      exe,
      [...args, "-c", "import dapper.adapter.launch_config"],
      { timeout: 60000, env: env ?? process.env },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve({ ok: true });
        } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          resolve({ ok: false, problem: "no-interpreter", detail: `${exe} was not found` });
        } else if (/ModuleNotFoundError: No module named 'dapper/.test(stderr)) {
          resolve({ ok: false, problem: "no-dapper", detail: `Dapper is not installed in ${exe}` });
        } else {
          resolve({ ok: false, problem: "error", detail: (stderr || error.message).trim().split("\n").slice(-3).join("\n") });
        }
      },
    );
  });
}

/** The pip command that installs Dapper from `source` (the package name or a path). */
export function pipInstallCommand(python: string[], source: string): string[] {
  const what = source.trim() || "dapper-debugger";
  return [...python, "-m", "pip", "install", what];
}

/** Runs a command; resolves with its combined output, rejects with it on failure. */
export function run(command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [exe, ...args] = command;
    execFile(exe, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) {
        reject(new Error(`${command.join(" ")} failed:\n${output.trim().split("\n").slice(-5).join("\n")}`));
      } else {
        resolve(output);
      }
    });
  });
}
