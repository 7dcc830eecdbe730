//! SQLite floor benchmark (not a test): how fast SQLite alone runs exactly the writes the
//! webhook benchmark made, with no HTTP, no sqlx and no hand-offs in the way — the most a
//! single writer could reach on this machine for the same durable work.
//!
//! Run `server/benches/sqlite-floor.sh`: it builds with the `sql-trace` feature, runs the
//! webhook bench with `CALLSNARE_SQL_TRACE` set (the writer logs every statement it runs,
//! values expanded, and copies the starting database), then this, which replays the log on
//! a copy with prepared, cached statements (each literal turned back into a bound value),
//! under the server's settings (WAL, `synchronous=FULL`, foreign keys on). The log's own
//! group commits are replayed as they were, then re-batched at fixed sizes (the webhook
//! bench at 64 connections commits ~32 jobs at a time, at 256 connections ~120).

use std::{collections::HashMap, path::Path, time::Instant};

use rusqlite::{params_from_iter, types::Value, Connection};

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return; // `cargo test --benches` probes; nothing to run
    }
    let Ok(trace) = std::env::var("CALLSNARE_SQL_TRACE") else {
        println!("set CALLSNARE_SQL_TRACE to a statement log; server/benches/sqlite-floor.sh makes one");
        return;
    };
    let log = std::fs::read_to_string(&trace).expect("statement log");
    let stmts: Vec<(String, Vec<Value>)> = log
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parametrize)
        .collect();
    let callbacks = stmts
        .iter()
        .filter(|(s, _)| s.starts_with("INSERT INTO webhook_events"))
        .count();
    let dir = tempfile::tempdir().unwrap();
    println!(
        "SQLite floor: {} statements for {callbacks} webhook callbacks (log: {trace})",
        stmts.len()
    );
    println!("| group commit | commits | callbacks/s | µs per callback |");
    println!("|---|---|---|---|");
    let mut slowest = HashMap::new();
    for batch in [None, Some(32), Some(64), Some(128), Some(256)] {
        let db = dir.path().join(format!("floor-{}.db", batch.unwrap_or(0)));
        std::fs::copy(format!("{trace}.base.db"), &db).expect("starting database");
        let run = replay(&db, &stmts, batch);
        let secs = run.elapsed;
        println!(
            "| {} | {} | {:.0} | {:.1} |",
            batch.map_or("as logged".to_owned(), |b| format!("{b} jobs")),
            run.commits,
            callbacks as f64 / secs,
            secs * 1e6 / callbacks as f64
        );
        if batch == Some(64) {
            slowest = run.by_statement;
        }
    }
    let mut kinds: Vec<_> = slowest.into_iter().collect();
    kinds.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1));
    println!();
    println!("Where the time goes at 64 jobs per commit (statements, commits excluded):");
    println!("| statement | runs | µs each | µs per callback |");
    println!("|---|---|---|---|");
    for (kind, (n, secs)) in kinds.iter().take(12) {
        println!(
            "| `{kind}…` | {n} | {:.2} | {:.2} |",
            secs * 1e6 / *n as f64,
            secs * 1e6 / callbacks as f64
        );
    }
}

struct Run {
    elapsed: f64,
    commits: usize,
    by_statement: HashMap<String, (usize, f64)>,
}

/// Runs the log once. `batch`: commit every that many jobs instead of where the log did.
fn replay(db: &Path, stmts: &[(String, Vec<Value>)], batch: Option<usize>) -> Run {
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )
    .unwrap();
    conn.set_prepared_statement_cache_capacity(256);
    let mut by_statement: HashMap<String, (usize, f64)> = HashMap::new();
    let (mut commits, mut jobs, mut open) = (0, 0, false);
    let started = Instant::now();
    for (sql, values) in stmts {
        if let Some(every) = batch {
            match sql.as_str() {
                "BEGIN IMMEDIATE" | "COMMIT" => continue,
                "SAVEPOINT job" => {
                    if open && jobs % every == 0 {
                        conn.execute_batch("COMMIT").unwrap();
                        commits += 1;
                        open = false;
                    }
                    if !open {
                        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                        open = true;
                    }
                    jobs += 1;
                }
                _ => {}
            }
        } else if sql == "COMMIT" {
            commits += 1;
        }
        let t = Instant::now();
        let mut stmt = conn.prepare_cached(sql).unwrap();
        // A failure is part of the log (the job that failed was rolled back to its
        // savepoint, and that is logged too), so it is replayed, not reported.
        let _ = if stmt.column_count() > 0 {
            stmt.query(params_from_iter(values)).and_then(|mut rows| {
                while rows.next()?.is_some() {}
                Ok(())
            })
        } else {
            stmt.execute(params_from_iter(values)).map(|_| ())
        };
        drop(stmt);
        if !matches!(sql.as_str(), "COMMIT" | "BEGIN IMMEDIATE") {
            let kind: String = sql.chars().take(32).collect();
            let e = by_statement.entry(kind).or_default();
            e.0 += 1;
            e.1 += t.elapsed().as_secs_f64();
        }
    }
    if open {
        conn.execute_batch("COMMIT").unwrap();
        commits += 1;
    }
    Run {
        elapsed: started.elapsed().as_secs_f64(),
        commits,
        by_statement,
    }
}

/// Turns each literal of an expanded statement back into a bound value, so the replay
/// prepares each statement shape once, as the server's driver does.
fn parametrize(sql: &str) -> (String, Vec<Value>) {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut values = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            let mut text = String::new();
            let mut start = i + 1;
            i += 1;
            loop {
                if b[i] == b'\'' {
                    text.push_str(&sql[start..i]);
                    if b.get(i + 1) == Some(&b'\'') {
                        text.push('\'');
                        i += 2;
                        start = i;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            out.push('?');
            values.push(Value::Text(text));
        } else if starts_number(b, i) {
            let start = i;
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if b.get(i) == Some(&b'.') {
                // Not a value the store binds; keep it as written.
                out.push_str(&sql[start..i]);
                continue;
            }
            out.push('?');
            values.push(Value::Integer(sql[start..i].parse().unwrap()));
        } else {
            let len = sql[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&sql[i..i + len]);
            i += len;
        }
    }
    (out, values)
}

/// A digit (or a minus sign before one, after an operator) that does not continue a name.
fn starts_number(b: &[u8], i: usize) -> bool {
    let after_name = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    if after_name {
        return false;
    }
    if b[i].is_ascii_digit() {
        return true;
    }
    let before = b[..i].iter().rev().find(|c| **c != b' ');
    b[i] == b'-'
        && b.get(i + 1).is_some_and(u8::is_ascii_digit)
        && matches!(before, Some(b'(' | b',' | b'=' | b'<' | b'>'))
}
