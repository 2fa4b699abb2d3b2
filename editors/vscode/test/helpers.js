// Shared by the unit tests: the repository root, and a Python that imports
// this checkout's Dapper (DAPPER_TEST_PYTHON, else python3 on PATH, with the
// checkout first on PYTHONPATH).
const path = require("path");

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const python = process.env.DAPPER_TEST_PYTHON || "python3";
const pythonEnv = {
  ...process.env,
  PYTHONPATH: [repoRoot, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
};

module.exports = { repoRoot, python, pythonEnv };
