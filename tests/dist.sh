#!/usr/bin/env bash
# What a release publishes, installed the way users install it: the wheel into a fresh virtualenv,
# the npm tarballs into a fresh npm project. Each `pgward check fixtures/demo` must print exactly
# what the cargo-built binary prints, with the same exit code; the binary must not link OpenSSL.
# Run by .ci/run after `cargo build --release` (scripts/build-dist.sh reuses that build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); echo "dist.sh: ok: $name"; else failed=$((failed + 1)); echo "dist.sh: FAILED: $name" >&2; fi
}

bash scripts/build-dist.sh
version=$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["package"]["version"])')
wheel=$(ls dist/pgward-"$version"-*.whl)
launcher="dist/pgward-$version.tgz"
platform_tgz=$(ls dist/pgward-cli-*-"$version".tgz)

# The reference: cargo's release binary on the demo (exit 1: the demo has errors).
set +e
target/release/pgward check fixtures/demo >"$work/expected.out" 2>"$work/expected.err"
expected_code=$?
set -e
[ "$expected_code" -eq 1 ] || { echo "dist.sh: the demo should have findings (exit 1), got $expected_code" >&2; exit 1; }

same_as_cargo() { # label, command...
  local label=$1
  shift
  set +e
  "$@" >"$work/$label.out" 2>"$work/$label.err"
  local code=$?
  set -e
  [ "$code" -eq "$expected_code" ] || { echo "$label: exit $code, expected $expected_code" >&2; cat "$work/$label.err" >&2; return 1; }
  diff -u "$work/expected.out" "$work/$label.out" >&2 || return 1
  diff -u "$work/expected.err" "$work/$label.err" >&2 || return 1
}

no_openssl() {
  ! ldd "$1" | grep -E 'libssl|libcrypto'
}
check "release binary links no libssl/libcrypto" no_openssl target/release/pgward

# The wheel, in a fresh virtualenv.
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
check "wheel: pgward is on the virtualenv's PATH" test -x "$work/venv/bin/pgward"
check "wheel: pgward check fixtures/demo matches cargo" same_as_cargo wheel "$work/venv/bin/pgward" check fixtures/demo
check "wheel: the binary links no libssl/libcrypto" no_openssl "$work/venv/bin/pgward"

# The npm tarballs, in a fresh npm project; `npx pgward` runs the launcher, which runs the
# platform package's binary. The demo path is absolute: npx runs in the project.
mkdir "$work/node-project"
(
  cd "$work/node-project"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund "$repo/$platform_tgz" "$repo/$launcher"
)
npx_check() { (cd "$work/node-project" && npx --no-install pgward check "$repo/fixtures/demo"); }
(cd "$work/node-project" && "$repo/target/release/pgward" check "$repo/fixtures/demo") >"$work/expected.out" 2>"$work/expected.err" || true
check "npm: npx pgward check fixtures/demo matches cargo" same_as_cargo npm npx_check
check "npm: the launcher passes the exit code of a usage error (2)" \
  bash -c "cd '$work/node-project' && npx --no-install pgward --no-such-flag >/dev/null 2>&1; [ \$? -eq 2 ]"

echo "dist.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
