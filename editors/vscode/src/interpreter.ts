/**
 * Which interpreter runs Dapper's adapter (and, by default, the program).
 *
 * Kept free of the `vscode` module so the order of choices is unit-tested
 * under plain Node: the launch configuration's `python`, then the Python
 * extension's selection, then the `dapper.python` setting, then `python3`
 * (or `python`) on PATH.
 */
import * as fs from "fs";
import * as path from "path";

export type InterpreterSource =
  | "launch configuration"
  | "Python extension"
  | "dapper.python setting"
  | "PATH";

export interface InterpreterChoice {
  /** The interpreter followed by its own arguments. */
  command: string[];
  source: InterpreterSource;
}

export interface InterpreterInputs {
  /** The launch configuration's `python` key, as written. */
  launchPython?: unknown;
  /** Asks the Python extension; undefined when it is absent or has no selection. */
  pythonExtension?: () => Promise<string[] | undefined>;
  /** The `dapper.python` setting. */
  setting?: string;
  /** Finds an executable on PATH (injectable for tests). */
  which?: (name: string) => string | undefined;
}

/** The interpreter command, or undefined when none of the sources gives one. */
export async function chooseInterpreter(inputs: InterpreterInputs): Promise<InterpreterChoice | undefined> {
  const fromLaunch = asCommand(inputs.launchPython);
  if (fromLaunch) {
    return { command: fromLaunch, source: "launch configuration" };
  }
  if (inputs.pythonExtension) {
    let fromExtension: string[] | undefined;
    try {
      fromExtension = await inputs.pythonExtension();
    } catch {
      fromExtension = undefined; // a broken or still-loading Python extension is not fatal
    }
    if (fromExtension && fromExtension.length > 0 && fromExtension[0]) {
      return { command: fromExtension, source: "Python extension" };
    }
  }
  const setting = (inputs.setting ?? "").trim();
  if (setting) {
    return { command: [setting], source: "dapper.python setting" };
  }
  const which = inputs.which ?? whichOnPath;
  for (const name of ["python3", "python"]) {
    const found = which(name);
    if (found) {
      return { command: [found], source: "PATH" };
    }
  }
  return undefined;
}

/** A string or a non-empty array of strings, as a command; anything else is ignored. */
export function asCommand(value: unknown): string[] | undefined {
  if (typeof value === "string" && value.trim() && !value.includes("${")) {
    return [value.trim()];
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string") && value[0]) {
    return value as string[];
  }
  return undefined;
}

/** The first executable named `name` on PATH, like `which`. */
export function whichOnPath(name: string, envPath: string = process.env.PATH ?? ""): string | undefined {
  const extensions = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) {
          return candidate;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The interpreter the Python extension selected, through its public API.
 *
 * `api` is the Python extension's `exports`. The `environments` API (current)
 * is tried first, then the older `settings.getExecutionDetails`.
 */
export async function interpreterFromPythonApi(api: any, resource: unknown): Promise<string[] | undefined> {
  const environments = api?.environments;
  if (environments && typeof environments.getActiveEnvironmentPath === "function") {
    const active = environments.getActiveEnvironmentPath(resource);
    let executable: string | undefined;
    if (active && typeof environments.resolveEnvironment === "function") {
      const resolved = await environments.resolveEnvironment(active);
      executable = resolved?.executable?.uri?.fsPath ?? resolved?.path;
    }
    executable = executable ?? active?.path;
    if (typeof executable === "string" && executable) {
      return [executable];
    }
  }
  const settings = api?.settings;
  if (settings && typeof settings.getExecutionDetails === "function") {
    const details = settings.getExecutionDetails(resource);
    return asCommand(details?.execCommand);
  }
  return undefined;
}
