/**
 * The process list behind "attach by process id": `ps` output parsed into
 * picker items, Python processes first.
 *
 * Free of the `vscode` module: unit-tested under plain Node.
 */
import { execFile } from "child_process";

export interface ProcessItem {
  pid: number;
  command: string;
  isPython: boolean;
}

/** Parse `ps -eo pid=,args=` output; our own process is left out. */
export function parsePs(output: string, ownPid: number = process.pid): ProcessItem[] {
  const items: ProcessItem[] = [];
  for (const line of output.split("\n")) {
    const match = /^\s*(\d+)\s+(.*\S)\s*$/.exec(line);
    if (!match) {
      continue;
    }
    const pid = Number(match[1]);
    if (pid === ownPid) {
      continue;
    }
    const command = match[2];
    items.push({ pid, command, isPython: isPythonCommand(command) });
  }
  return items.sort((a, b) => Number(b.isPython) - Number(a.isPython) || a.pid - b.pid);
}

/** Whether a command line runs a Python interpreter (`python`, `python3.12`, `/venv/bin/python3`). */
export function isPythonCommand(command: string): boolean {
  const program = command.split(/\s+/)[0] ?? "";
  const base = program.split(/[\\/]/).pop() ?? "";
  return /^python(\d+(\.\d+)?)?(\.exe)?$/i.test(base);
}

/** The processes on this machine (where the extension host runs: remote hosts included). */
export function listProcesses(): Promise<ProcessItem[]> {
  return new Promise((resolve, reject) => {
    execFile("ps", ["-eo", "pid=,args="], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        reject(new Error(`could not list processes with ps: ${error.message}`));
      } else {
        resolve(parsePs(stdout));
      }
    });
  });
}
