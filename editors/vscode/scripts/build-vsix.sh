#!/usr/bin/env bash
# Build editors/vscode/dapper-vscode.vsix: dependencies from the committed
# lockfile (npm ci), compile the TypeScript, package with @vscode/vsce.
# Install the result with: code --install-extension editors/vscode/dapper-vscode.vsix
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npx tsc -p .
npx vsce package --no-dependencies --skip-license --allow-missing-repository --out dapper-vscode.vsix
echo "built $(pwd)/dapper-vscode.vsix"
