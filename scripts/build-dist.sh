#!/usr/bin/env bash
# Builds what a release publishes, for the host platform, into dist/:
#   dist/pgward-<version>-py3-none-<platform>.whl   the Python wheel (maturin, bindings = "bin")
#   dist/pgward-cli-<platform>-<version>.tgz         the npm package carrying the binary
#   dist/pgward-<version>.tgz                        the npm launcher package `pgward`
# The version is Cargo.toml's. maturin comes from PyPI (into target/dist-venv) unless it is on
# PATH; the release build is cargo's own target/release, so after `cargo build --release` the
# wheel costs no second compile. Publishing is not done here.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
dist="$repo/dist"
mkdir -p "$dist"

version=$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["package"]["version"])')

if command -v maturin >/dev/null 2>&1; then
  maturin=(maturin)
else
  venv="$repo/target/dist-venv"
  if [ ! -x "$venv/bin/maturin" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.5,<2'
  fi
  maturin=("$venv/bin/maturin")
fi

# The wheel. maturin runs `cargo build --release --locked` and tags the wheel with the oldest
# manylinux policy the binary satisfies.
rm -f "$dist"/pgward-"$version"-*.whl
"${maturin[@]}" build --release --locked --out "$dist"
binary="$repo/target/release/pgward"
[ -x "$binary" ] || { echo "build-dist.sh: $binary was not built" >&2; exit 1; }

# The npm packages. The platform name follows Node's process.platform / process.arch (and the C
# library on Linux), the names the launcher looks up.
read -r os cpu libc < <(node -e '
  const r = process.platform === "linux" && process.report.getReport();
  const libc = process.platform !== "linux" ? "" : (r.header.glibcVersionRuntime ? "gnu" : "musl");
  console.log(process.platform, process.arch, libc || "-");')
platform="$os-$cpu"
[ "$libc" != "-" ] && platform="$platform-$libc"
[ "$os" = "win32" ] && platform="$platform-msvc"

stage="$repo/target/npm-stage"
rm -rf "$stage"
mkdir -p "$stage/platform/bin" "$stage/pgward"

cp npm/platform/README.md "$stage/platform/README.md"
cp "$binary" "$stage/platform/bin/pgward"
node - "$stage/platform/package.json" "$version" "$os" "$cpu" "$libc" "$platform" <<'JS'
const [file, version, os, cpu, libc, platform] = process.argv.slice(2);
const pkg = {
  name: `@pgward/cli-${platform}`,
  version,
  description: `The pgward binary for ${platform}; install \`pgward\` instead.`,
  os: [os],
  cpu: [cpu],
  files: ["bin/", "README.md"],
  preferUnplugged: true,
};
if (libc !== "-") pkg.libc = [libc === "gnu" ? "glibc" : "musl"];
require("fs").writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
JS

cp -r npm/pgward/. "$stage/pgward/"
node - "$stage/pgward/package.json" "$version" <<'JS'
const fs = require("fs");
const [file, version] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.version = version;
for (const dep of Object.keys(pkg.optionalDependencies)) pkg.optionalDependencies[dep] = version;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
JS
grep -q "\"@pgward/cli-$platform\"" "$stage/pgward/package.json" || {
  echo "build-dist.sh: npm/pgward/package.json has no optional dependency @pgward/cli-$platform" >&2
  exit 1
}

rm -f "$dist/pgward-cli-$platform-$version.tgz" "$dist/pgward-$version.tgz"
(cd "$stage/platform" && npm pack --silent --pack-destination "$dist" >/dev/null)
(cd "$stage/pgward" && npm pack --silent --pack-destination "$dist" >/dev/null)

echo "build-dist.sh: built for $platform, version $version:"
ls -l "$dist"/pgward-"$version"-*.whl "$dist/pgward-cli-$platform-$version.tgz" "$dist/pgward-$version.tgz"
