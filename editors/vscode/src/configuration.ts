/**
 * Completing and checking a `dapper` debug configuration before a session
 * starts, so mistakes show as a clear message instead of an adapter error.
 *
 * Free of the `vscode` module: unit-tested under plain Node.
 */

export interface DebugConfig {
  type?: string;
  request?: string;
  name?: string;
  [key: string]: unknown;
}

export interface EditorContext {
  /** Language of the active editor's document, if any. */
  activeLanguage?: string;
}

export type Resolution = { config: DebugConfig } | { error: string } | { cancelled: true };

export const CURRENT_FILE: DebugConfig = {
  type: "dapper",
  request: "launch",
  name: "Dapper: Current File",
  program: "${file}",
  console: "integratedTerminal",
  justMyCode: true,
};

/** Before variables are substituted: fill an empty configuration (F5 with no launch.json). */
export function resolveConfiguration(config: DebugConfig, context: EditorContext): Resolution {
  if (!config.type && !config.request && !config.name) {
    if (context.activeLanguage !== "python") {
      return { error: "Open a Python file to debug it with Dapper, or add a \"dapper\" configuration to launch.json." };
    }
    return { config: { ...CURRENT_FILE } };
  }
  const resolved: DebugConfig = { ...config, type: config.type ?? "dapper" };
  resolved.request = config.request ?? "launch";
  if (resolved.request !== "launch" && resolved.request !== "attach") {
    return { error: `Dapper: "request" must be "launch" or "attach", not ${JSON.stringify(config.request)}.` };
  }
  resolved.name = config.name ?? (resolved.request === "launch" ? "Dapper: Launch" : "Dapper: Attach");
  return { config: resolved };
}

/** After variables are substituted: the checks that need final values. */
export function checkSubstituted(config: DebugConfig): Resolution {
  if (config.request === "launch") {
    const given = ["program", "module", "code"].filter((key) => nonEmpty(config[key]));
    if (given.length !== 1) {
      return {
        error:
          "Dapper: a launch configuration needs exactly one of \"program\", \"module\" or \"code\"" +
          (given.length ? ` (it has ${given.join(", ")}).` : "."),
      };
    }
    return { config };
  }
  const resolved = { ...config };
  if ("processId" in resolved) {
    if (resolved.processId === undefined || resolved.processId === null || resolved.processId === "") {
      return { cancelled: true }; // the process picker was dismissed
    }
    const pid = Number(resolved.processId);
    if (!Number.isInteger(pid) || pid <= 0) {
      return { error: `Dapper: "processId" must be a process id, not ${JSON.stringify(config.processId)}.` };
    }
    resolved.processId = pid;
    return { config: resolved };
  }
  const connect = resolved.connect as { port?: unknown } | undefined;
  const port = connect && typeof connect === "object" ? connect.port : resolved.port;
  const listen = resolved.listen;
  if (port === undefined && listen === undefined) {
    return { error: "Dapper: an attach configuration needs \"connect\": {\"host\", \"port\"} (or \"processId\")." };
  }
  return { config: resolved };
}

function nonEmpty(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return value !== undefined && value !== null && value !== "";
}
