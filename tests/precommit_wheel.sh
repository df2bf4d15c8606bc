#!/usr/bin/env bash
# The wheel pre-commit hook (pre-commit-mirror/, `language: python`), end to end, with no Rust
# toolchain on PATH: `pre-commit try-repo` installs the mirror into a virtualenv, and pip takes the
# pinned `pgward` wheel from dist/ (PIP_FIND_LINKS; the wheel is not on PyPI until published, so
# this is the published wheel's stand-in). The hook must fail on a bad migration and pass on a good
# one. With cargo off PATH and no pgward on PyPI, the hook can only have run the wheel from dist/.
# Needs scripts/build-dist.sh first (tests/dist.sh runs it).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

version=$(python3 -c 'import tomllib; print(tomllib.load(open("'"$repo"'/Cargo.toml", "rb"))["package"]["version"])')
grep -q "\"pgward==$version\"" "$repo/pre-commit-mirror/pyproject.toml" || {
  echo "precommit_wheel.sh: pre-commit-mirror/pyproject.toml does not pin pgward==$version" >&2
  exit 1
}
ls "$repo"/dist/pgward-"$version"-*.whl >/dev/null

venv="$repo/target/precommit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
fi

# The mirror as its own git repository, as it would be published.
mirror="$work/mirror"
cp -r "$repo/pre-commit-mirror" "$mirror"
git -C "$mirror" init -q
git -C "$mirror" add -A
git -C "$mirror" -c user.email=ci@example.invalid -c user.name=ci commit -qm mirror

# PATH without cargo/rustc: only the directories that hold neither.
clean_path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || clean_path="${clean_path:+$clean_path:}$d"
done
export PATH="$clean_path"
if command -v cargo >/dev/null 2>&1; then
  echo "precommit_wheel.sh: cargo is still on PATH" >&2
  exit 1
fi
export PRE_COMMIT_HOME="$work/pre-commit-home"
export PIP_FIND_LINKS="$repo/dist"

project="$work/project"
mkdir -p "$project/supabase/migrations"
cd "$project"
git init -q
cat > pgward.toml <<'TOML'
migrations_dir = "supabase/migrations"

[protected]
tables = ["users"]
TOML
printf 'BEGIN;\nDROP TABLE users;\nCOMMIT;\n' > supabase/migrations/20260101000000_drop_users.sql
printf 'BEGIN;\n-- a harmless migration\nSELECT 1;\nCOMMIT;\n' > supabase/migrations/20260102000000_harmless.sql
git add -A

passed=0
failed=0
set +e
"$venv/bin/pre-commit" try-repo "$mirror" pgward --files supabase/migrations/20260101000000_drop_users.sql >"$work/out" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ] && grep -q "protected-table-drop" "$work/out"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "precommit_wheel.sh: FAILED: the hook must fail and show protected-table-drop" >&2
  cat "$work/out" >&2
fi
set +e
"$venv/bin/pre-commit" try-repo "$mirror" pgward --files supabase/migrations/20260102000000_harmless.sql >"$work/out" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "precommit_wheel.sh: FAILED: the hook must pass on a good migration" >&2
  cat "$work/out" >&2
fi
echo "precommit_wheel.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
