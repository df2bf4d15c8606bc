#!/usr/bin/env node
// Runs the pgward binary shipped in the per-platform package that npm installed beside this one
// (an optional dependency such as @pgward/cli-linux-x64-gnu: npm installs only the one whose
// `os`/`cpu`/`libc` match). Arguments, standard streams and the exit code pass through.
"use strict";

const { spawnSync } = require("child_process");
const path = require("path");

function isMusl() {
  if (process.platform !== "linux") return false;
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === "string" ? JSON.parse(report) : report).header;
    return !(header && header.glibcVersionRuntime);
  } catch (_) {
    return false;
  }
}

function platformPackage() {
  const { platform, arch } = process;
  if (platform === "linux") return `@pgward/cli-linux-${arch}-${isMusl() ? "musl" : "gnu"}`;
  if (platform === "win32") return `@pgward/cli-win32-${arch}-msvc`;
  return `@pgward/cli-${platform}-${arch}`;
}

function binaryPath() {
  if (process.env.PGWARD_BINARY) return process.env.PGWARD_BINARY;
  const pkg = platformPackage();
  const exe = process.platform === "win32" ? "pgward.exe" : "pgward";
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", exe);
  } catch (_) {
    process.stderr.write(
      `pgward: no binary for this platform (${process.platform}-${process.arch}): the package ` +
        `${pkg} is not installed.\n` +
        `It is an optional dependency of pgward: reinstall without --no-optional/--omit=optional, ` +
        `or install pgward another way (pip install pgward, cargo install).\n`
    );
    process.exit(2);
  }
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  process.stderr.write(`pgward: cannot run ${result.error.path || "the binary"}: ${result.error.message}\n`);
  process.exit(2);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 2 : result.status);
