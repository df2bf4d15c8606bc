#!/usr/bin/env bash
# The pre-commit hook, end to end: `pre-commit try-repo` builds this repository with
# `cargo install --path` (as pre-commit does for users), then runs the hook in a scratch git
# repository: it must fail and print the diagnostic on a bad migration, and pass on a good one.
# Slow (a release build); run by .ci/run after `cargo build --release`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# pre-commit from PyPI, in its own virtualenv unless it is already installed.
if command -v pre-commit >/dev/null 2>&1; then
  pre_commit=(pre-commit)
else
  venv="$repo/target/precommit-venv"
  if [ ! -x "$venv/bin/pre-commit" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
  fi
  pre_commit=("$venv/bin/pre-commit")
fi

# A fresh hook cache each run, so the hook really is installed from this checkout.
export PRE_COMMIT_HOME="$work/pre-commit-home"
# A target directory of its own for the hook's `cargo install`, kept between runs so only the
# first run is a full release build. (Not target/ itself: pre-commit builds a clone at another
# path, and cargo must not mistake the checkout's artifacts for the clone's.)
export CARGO_TARGET_DIR="${PGWARD_PRECOMMIT_TARGET_DIR:-$repo/target/precommit}"

project="$work/project"
mkdir -p "$project/supabase/migrations"
cd "$project"
git init -q
git config user.email "ci@example.invalid"
git config user.name "ci"
cat > pgward.toml <<'TOML'
migrations_dir = "supabase/migrations"

[protected]
tables = ["users"]
TOML
cat > supabase/migrations/20260101000000_drop_users.sql <<'SQL'
BEGIN;
DROP TABLE users;
COMMIT;
SQL
cat > supabase/migrations/20260102000000_harmless.sql <<'SQL'
BEGIN;
-- a harmless migration
SELECT 1;
COMMIT;
SQL
git add -A

fail() {
  echo "precommit.sh: $1" >&2
  echo "----- output -----" >&2
  cat "$work/out" >&2
  exit 1
}

set +e
"${pre_commit[@]}" try-repo "$repo" pgward --files supabase/migrations/20260101000000_drop_users.sql >"$work/out" 2>&1
status=$?
set -e
[ "$status" -ne 0 ] || fail "the hook passed on a migration that drops a protected table"
grep -q "protected-table-drop" "$work/out" || fail "the hook's output does not show the diagnostic"
grep -q "20260101000000_drop_users.sql" "$work/out" || fail "the hook's output does not name the file"

set +e
"${pre_commit[@]}" try-repo "$repo" pgward --files supabase/migrations/20260102000000_harmless.sql >"$work/out" 2>&1
status=$?
set -e
[ "$status" -eq 0 ] || fail "the hook failed on a good migration"

echo "precommit.sh: 2 passed, 0 failed"
