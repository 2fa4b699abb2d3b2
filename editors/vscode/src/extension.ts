/**
 * The VS Code side of Dapper: contributes the `dapper` debugger type, starts
 * `python -m dapper.adapter` with the right interpreter (offering to install
 * Dapper when it is missing), shows the active backend, and picks processes.
 *
 * Child processes need nothing here: VS Code serves the adapter's
 * `startDebugging` request itself and shows the child under its parent; the
 * child's configuration goes through the same provider and factory.
 */
import * as vscode from "vscode";
import { checkSubstituted, CURRENT_FILE, DebugConfig, resolveConfiguration } from "./configuration";
import { InterpreterChoice, chooseInterpreter, interpreterFromPythonApi } from "./interpreter";
import { pipInstallCommand, probeDapper, run } from "./install";
import { listProcesses } from "./processes";
import { backendLabel, describeStatus } from "./status";

const TYPE = "dapper";
const verified = new Set<string>();

export function activate(context: vscode.ExtensionContext): void {
  const statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  statusBar.command = "dapper.showBackendStatus";
  const backends = new Map<string, string>();

  const refreshStatusBar = (): void => {
    const session = currentDapperSession();
    const label = session ? backends.get(session.id) : undefined;
    if (session) {
      statusBar.text = `$(debug-alt) Dapper: ${label ?? "starting"}`;
      statusBar.tooltip = "Dapper's active backend: click for details";
      statusBar.show();
    } else {
      statusBar.hide();
    }
  };
  const fetchBackend = async (session: vscode.DebugSession): Promise<void> => {
    try {
      const label = backendLabel(await session.customRequest("dapper/status"));
      if (label) {
        backends.set(session.id, label);
        refreshStatusBar();
      }
    } catch {
      // the session ended meanwhile: nothing to show
    }
  };

  context.subscriptions.push(
    statusBar,
    vscode.debug.registerDebugConfigurationProvider(TYPE, new ConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(TYPE, new AdapterFactory()),
    vscode.debug.registerDebugAdapterTrackerFactory(TYPE, {
      createDebugAdapterTracker(session) {
        return {
          onDidSendMessage(message: any) {
            if (message?.type === "event" && (message.event === "process" || message.event === "stopped")) {
              if (!backends.has(session.id) || message.event === "process") {
                void fetchBackend(session);
              }
            }
          },
        };
      },
    }),
    vscode.debug.onDidStartDebugSession(refreshStatusBar),
    vscode.debug.onDidChangeActiveDebugSession(refreshStatusBar),
    vscode.debug.onDidTerminateDebugSession((session) => {
      backends.delete(session.id);
      refreshStatusBar();
    }),
    vscode.commands.registerCommand("dapper.showBackendStatus", showBackendStatus),
    vscode.commands.registerCommand("dapper.pickProcess", pickProcess),
  );
}

export function deactivate(): void {}

function currentDapperSession(): vscode.DebugSession | undefined {
  const active = vscode.debug.activeDebugSession;
  return active?.type === TYPE ? active : undefined;
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ ...CURRENT_FILE } as vscode.DebugConfiguration];
  }

  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined | null {
    const language = vscode.window.activeTextEditor?.document.languageId;
    return settle(resolveConfiguration(config as DebugConfig, { activeLanguage: language }));
  }

  resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined | null {
    return settle(checkSubstituted(config as DebugConfig));
  }
}

/** undefined aborts quietly, null opens launch.json: an error is shown, then launch.json. */
function settle(resolution: ReturnType<typeof checkSubstituted>): vscode.DebugConfiguration | undefined | null {
  if ("config" in resolution) {
    return resolution.config as vscode.DebugConfiguration;
  }
  if ("error" in resolution) {
    void vscode.window.showErrorMessage(resolution.error);
    return null;
  }
  return undefined;
}

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    const resource = session.workspaceFolder?.uri ?? vscode.window.activeTextEditor?.document.uri;
    const choice = await chooseInterpreter({
      launchPython: session.configuration.python,
      pythonExtension: () => pythonExtensionInterpreter(resource),
      setting: vscode.workspace.getConfiguration("dapper", resource).get<string>("python"),
    });
    if (!choice) {
      throw new Error(
        "Dapper needs a Python interpreter: select one with the Python extension, set \"dapper.python\", or put python3 on PATH.",
      );
    }
    await ensureDapper(choice, resource);
    const [exe, ...interpreterArgs] = choice.command;
    return new vscode.DebugAdapterExecutable(exe, [...interpreterArgs, "-m", "dapper.adapter"]);
  }
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (!extension) {
    return undefined;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  return interpreterFromPythonApi(api, resource);
}

/** Dapper importable in the chosen interpreter, or an offer to install it, or a clear error. */
async function ensureDapper(choice: InterpreterChoice, resource: vscode.Uri | undefined): Promise<void> {
  const key = choice.command.join("\0");
  if (verified.has(key)) {
    return;
  }
  const shown = `${choice.command.join(" ")} (from the ${choice.source})`;
  const probe = await probeDapper(choice.command);
  if (probe.ok) {
    verified.add(key);
    return;
  }
  if (probe.problem !== "no-dapper") {
    throw new Error(`Dapper cannot start with ${shown}: ${probe.detail}`);
  }
  const configured = vscode.workspace.getConfiguration("dapper", resource).get<string>("installSource") || "dapper-debugger";
  const fromIndex = `Install ${configured}`;
  const fromPath = "Install from a Path…";
  const answer = await vscode.window.showErrorMessage(
    `Dapper is not installed in ${shown}.`,
    { modal: true, detail: `Install it there with pip, or choose another interpreter (Python extension or the "dapper.python" setting).` },
    fromIndex,
    fromPath,
  );
  let source: string | undefined;
  if (answer === fromIndex) {
    source = configured;
  } else if (answer === fromPath) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: "Install Dapper from here",
      filters: { "Dapper checkout or wheel": ["whl", "*"] },
    });
    source = picked?.[0]?.fsPath;
  }
  if (!source) {
    throw new Error(`Dapper is not installed in ${shown}: run "${pipInstallCommand(choice.command, "dapper-debugger").join(" ")}".`);
  }
  const command = pipInstallCommand(choice.command, source);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing Dapper: ${command.join(" ")}` },
    () => run(command),
  );
  const again = await probeDapper(choice.command);
  if (!again.ok) {
    throw new Error(`Dapper is still not importable in ${shown} after installing: ${again.detail}`);
  }
  verified.add(key);
}

async function showBackendStatus(): Promise<void> {
  const session = currentDapperSession() ?? undefined;
  if (!session) {
    void vscode.window.showInformationMessage("No Dapper debug session is running: start one to see its backend.");
    return;
  }
  let lines: string[];
  try {
    lines = describeStatus(await session.customRequest("dapper/status"));
  } catch (error) {
    lines = [`Dapper could not report its status: ${(error as Error).message}`];
  }
  const [first, ...rest] = lines;
  void vscode.window.showInformationMessage(first, { modal: true, detail: rest.join("\n") });
}

async function pickProcess(): Promise<string | undefined> {
  let processes;
  try {
    processes = await listProcesses();
  } catch (error) {
    void vscode.window.showErrorMessage(`Dapper: ${(error as Error).message}`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    processes.map((p) => ({
      label: String(p.pid),
      description: p.isPython ? "Python" : undefined,
      detail: p.command,
      pid: p.pid,
    })),
    { placeHolder: "Pick the process to attach to", matchOnDescription: true, matchOnDetail: true },
  );
  return picked ? String(picked.pid) : undefined;
}
