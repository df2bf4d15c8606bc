//! Deterministic generator of realistic Supabase-style migration sets (about 40 lines a file),
//! shared by `examples/gen_corpus.rs` and the criterion benchmarks.
#![allow(dead_code)]

use std::fmt::Write as _;

/// splitmix64: tiny, deterministic, good enough to vary the corpus.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const NOUNS: &[&str] = &[
    "client",
    "meeting",
    "note",
    "action_item",
    "invoice",
    "project",
    "task",
    "comment",
    "attachment",
    "reminder",
    "contact",
    "deal",
    "document",
    "event",
    "label",
    "message",
];
const TYPES: &[&str] = &[
    "text",
    "integer",
    "boolean",
    "timestamptz",
    "jsonb",
    "numeric(12,2)",
    "uuid",
];

/// One migration file's text; `index` makes names unique across the set.
pub fn migration(rng: &mut Rng, index: usize) -> String {
    let noun = rng.pick(NOUNS);
    let table = format!("{noun}s_{index}");
    let parent = if index > 0 {
        format!("{}s_{}", rng.pick(NOUNS), rng.below(index as u64))
    } else {
        "clients_root".to_string()
    };
    let mut s = String::with_capacity(2048);
    let _ = writeln!(
        s,
        "-- Migration {index}: {noun} support\n-- Generated for benchmarks."
    );
    let mistake = rng.below(20);
    if mistake != 0 {
        s.push_str("BEGIN;\n\n");
    }
    let if_not_exists = if mistake == 1 { "" } else { "IF NOT EXISTS " };
    let _ = writeln!(
        s,
        "CREATE TABLE {if_not_exists}public.{table} (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,\n  parent_id uuid REFERENCES public.{parent}(id),"
    );
    for c in 0..(2 + rng.below(4)) {
        let _ = writeln!(s, "  {}_{c} {} ,", rng.pick(NOUNS), rng.pick(TYPES));
    }
    s.push_str(
        "  created_at timestamptz NOT NULL DEFAULT now(),\n  updated_at timestamptz\n);\n\n",
    );
    if mistake != 2 {
        let _ = writeln!(
            s,
            "CREATE INDEX IF NOT EXISTS idx_{table}_user_id ON public.{table} (user_id);"
        );
    }
    if mistake == 3 {
        let _ = writeln!(
            s,
            "CREATE INDEX CONCURRENTLY idx_{table}_created ON public.{table} (created_at);"
        );
    } else {
        let _ = writeln!(
            s,
            "CREATE INDEX IF NOT EXISTS idx_{table}_parent ON public.{table} (parent_id) WHERE parent_id IS NOT NULL;"
        );
    }
    let _ = writeln!(s, "\nALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY;");
    let policy = if mistake == 4 {
        "select_own".to_string()
    } else {
        format!("{table}_select_own")
    };
    let _ = writeln!(
        s,
        "DROP POLICY IF EXISTS \"{policy}\" ON public.{table};\nCREATE POLICY \"{policy}\" ON public.{table}\n  FOR SELECT TO authenticated\n  USING ((SELECT auth.uid()) = user_id);"
    );
    let _ = writeln!(
        s,
        "\nALTER TABLE public.{table} ADD COLUMN IF NOT EXISTS archived boolean NOT NULL DEFAULT false;"
    );
    let _ = writeln!(
        s,
        "\nCREATE OR REPLACE FUNCTION public.touch_{table}() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now(); -- keep in sync; not a statement\n  RETURN NEW;\nEND;\n$$;\nCREATE OR REPLACE TRIGGER touch_{table} BEFORE UPDATE ON public.{table}\n  FOR EACH ROW EXECUTE FUNCTION public.touch_{table}();"
    );
    let _ = writeln!(
        s,
        "\nDO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '{table}_status') THEN\n    CREATE TYPE public.{table}_status AS ENUM ('open', 'done');\n  END IF;\nEND $$;"
    );
    let _ = writeln!(
        s,
        "\nALTER PUBLICATION supabase_realtime ADD TABLE public.{table};"
    );
    let _ = writeln!(
        s,
        "GRANT SELECT, INSERT ON public.{table} TO authenticated;"
    );
    let _ = writeln!(
        s,
        "COMMENT ON TABLE public.{table} IS 'Rows of {noun}s; owner: user_id';"
    );
    if rng.below(4) == 0 {
        let _ = writeln!(s, "DROP TABLE IF EXISTS public.legacy_{table};");
    }
    let _ = writeln!(
        s,
        "INSERT INTO public.{table} (user_id, created_at) SELECT id, now() FROM auth.users LIMIT 0;"
    );
    if mistake != 0 {
        s.push_str("\nCOMMIT;\n");
    }
    s
}

/// `files` migrations as (file name, text), in migration order.
pub fn generate(files: usize, seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    (0..files)
        .map(|i| {
            let text = migration(&mut rng, i);
            let name = format!(
                "{:014}_{}.sql",
                20260101000000u64 + i as u64,
                rng.pick(NOUNS)
            );
            (name, text)
        })
        .collect()
}
