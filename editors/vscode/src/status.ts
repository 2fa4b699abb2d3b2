/**
 * `dapper/status` in words a user understands: which backend runs and why.
 *
 * Free of the `vscode` module: unit-tested under plain Node.
 */

export interface BackendStatus {
  active?: boolean;
  backend?: string | null;
  hook_installed?: boolean;
  reason?: string;
  fallback_from?: string | null;
  requested?: { backend?: string; tracingBackend?: string; fallbackToTracing?: boolean } | null;
  interpreter?: string;
}

const BACKEND_WORDS: Record<string, string> = {
  eval_frame: "the compiled eval-frame hook (PEP 523): only functions with breakpoints pay anything",
  "sys.monitoring": "sys.monitoring (PEP 669): the interpreter reports only the lines that have breakpoints",
  settrace: "sys.settrace: classic tracing, every line of traced code is checked",
};

/** Short name for the status bar, e.g. "sys.monitoring". */
export function backendLabel(body: unknown): string | undefined {
  const status = statusOf(body);
  return status?.backend ?? undefined;
}

/** Lines for the "Dapper: Show Backend Status" message. */
export function describeStatus(body: unknown): string[] {
  const status = statusOf(body);
  if (!status) {
    return ["Dapper did not report a backend status (is the session still starting?)."];
  }
  if (!status.backend) {
    const why = status.reason && status.reason !== "not started" ? ` (${status.reason})` : "";
    return [`No backend is running yet: the program has not started${why}.`];
  }
  const lines = [`Dapper is using ${BACKEND_WORDS[status.backend] ?? status.backend}.`];
  if (status.fallback_from) {
    lines.push(`You asked for ${status.fallback_from}, which cannot run here, so Dapper fell back to ${status.backend}.`);
  }
  if (status.reason) {
    lines.push(`Why: ${status.reason}.`);
  }
  const requested = status.requested;
  if (requested) {
    const family = requested.backend === "tracing" && requested.tracingBackend && requested.tracingBackend !== "auto"
      ? requested.tracingBackend
      : requested.backend;
    lines.push(`Requested in frameEval: ${family ?? "auto"}${requested.fallbackToTracing === false ? ", no fallback" : ""}.`);
  }
  if (status.interpreter) {
    lines.push(`Interpreter: ${status.interpreter}.`);
  }
  return lines;
}

function statusOf(body: unknown): BackendStatus | undefined {
  if (!body || typeof body !== "object") {
    return undefined;
  }
  const status = (body as { status?: unknown }).status;
  return status && typeof status === "object" ? (status as BackendStatus) : undefined;
}
