#!/usr/bin/env bash
# The "one new file in a 2,000-file set, warm cache" case of issue 15, reproducibly:
#   bash benches/warm.sh [DIR] [PGWARD]
# builds DIR (default /tmp/warm): a Supabase-style project whose supabase/migrations holds the
# generated 2,000-file set, checks the first 1,999 once (filling the cache), then prints the
# command to time: one new file checked with the whole set as context.
set -euo pipefail
dir=${1:-/tmp/warm}
bin=$(realpath "${2:-target/release/pgward}")
gen=target/release/examples/gen_corpus
[ -x "$gen" ] || cargo build --release --example gen_corpus
rm -rf "$dir" && mkdir -p "$dir/supabase/migrations"
"$gen" "$dir/supabase/migrations" 2000 42
new=supabase/migrations/20260101001999_task.sql
mv "$dir/$new" "$dir/new.sql"
(cd "$dir" && "$bin" init >/dev/null 2>&1 || true)
(cd "$dir" && "$bin" check >/dev/null || true)
mv "$dir/new.sql" "$dir/$new"
(cd "$dir" && "$bin" check "$new" >/dev/null || true)
echo "warm: cd $dir && $bin check $new"
