//! The per-org hash chain over audit records: pure hashing and checking, no I/O (the store
//! side is `db::audit_events`: `insert` appends, `verify_org` walks, `chain_backfill` hashes
//! records older than the chain).
//!
//! Each org's records are numbered 1, 2, 3… (`chain_seq`) and each stores the previous
//! record's hash (`prev_hash`, [`GENESIS`] for #1) and its own:
//!
//! ```text
//! hash = hex(SHA-256(prev_hash as 64 ASCII hex digits || canonical(record)))
//! ```
//!
//! `canonical` is the bytes `callsnare.audit.v1` followed by each field, in this order: id,
//! org_id, chain_seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id,
//! request_id, ip, metadata. A number is 8 bytes big-endian (two's complement); a text is
//! its UTF-8 length as 8 bytes big-endian, then the bytes; an optional text is one byte 0
//! when absent, else 1 followed by the text. The metadata is the stored JSON text as it is
//! (not re-serialised), so any edit to any column changes the hash. Anyone can recompute it
//! from a database dump without CallSnare.
//!
//! What this proves, and what not: altering, deleting or reordering a record without
//! rewriting every later hash (and the head in `audit_chain_heads`) is detected. Someone who
//! can rewrite the whole table can recompute the whole chain; only a head hash kept
//! somewhere they cannot reach (`callsnare audit head`, published or mailed elsewhere) shows
//! that the chain later diverged from it.

use std::fmt;

use sha2::{Digest, Sha256};

/// The `prev_hash` of each org's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names the format, so a later change of fields can be told apart.
const DOMAIN: &[u8] = b"callsnare.audit.v1";

/// The columns a record's hash covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub chain_seq: i64,
    pub occurred_at: i64,
    pub actor_kind: &'a str,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// The stored JSON text.
    pub metadata: &'a str,
}

fn push_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn push_text(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn push_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            push_text(out, s);
        }
    }
}

/// The deterministic bytes a record's hash is taken over (see the module docs).
pub fn canonical(c: &Content<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(DOMAIN.len() + 160 + c.metadata.len());
    out.extend_from_slice(DOMAIN);
    push_text(&mut out, c.id);
    push_text(&mut out, c.org_id);
    push_int(&mut out, c.chain_seq);
    push_int(&mut out, c.occurred_at);
    push_text(&mut out, c.actor_kind);
    push_opt(&mut out, c.actor_id);
    push_text(&mut out, c.action);
    push_opt(&mut out, c.target_kind);
    push_opt(&mut out, c.target_id);
    push_opt(&mut out, c.request_id);
    push_opt(&mut out, c.ip);
    push_text(&mut out, c.metadata);
    out
}

/// The hash of a record whose predecessor's hash is `prev_hash`.
pub fn link_hash(prev_hash: &str, c: &Content<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(c));
    hex::encode(h.finalize())
}

/// A record as stored: its content and the two chain columns (absent when never hashed).
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub content: Content<'a>,
    pub prev_hash: Option<&'a str>,
    pub hash: Option<&'a str>,
}

/// Why a record (or the head) does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Numbers jump: the records `first..=last` before this one are gone.
    Missing { first: i64, last: i64 },
    /// Numbered in order but its `prev_hash` is not the hash of the record before it:
    /// moved, swapped, or its predecessor was rewritten.
    NotLinked,
    /// Its columns no longer hash to its stored hash: altered.
    Altered,
    /// Never hashed, though the chain was written.
    Unhashed,
    /// A record of the org outside the chain (no `chain_seq`).
    Unchained,
    /// Records exist but the head is gone.
    HeadMissing,
    /// The head names a later record than the last one present: the last records are gone.
    HeadAhead { last: i64 },
    /// Records past the head.
    PastHead { head: i64 },
    /// The head's hash is not the last record's hash.
    HeadMismatch,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { first, last } if first == last => {
                write!(f, "follows a gap: record #{first} is missing")
            }
            Problem::Missing { first, last } => {
                write!(f, "follows a gap: records #{first} to #{last} are missing")
            }
            Problem::NotLinked => {
                f.write_str("does not follow the record before it (moved, swapped or its predecessor altered)")
            }
            Problem::Altered => f.write_str("content does not match its hash"),
            Problem::Unhashed => f.write_str("has no hash"),
            Problem::Unchained => f.write_str("is not in the chain"),
            Problem::HeadMissing => f.write_str("the chain's head is missing"),
            Problem::HeadAhead { last } => {
                write!(
                    f,
                    "the head names it but the chain ends at #{last}: the last records are missing"
                )
            }
            Problem::PastHead { head } => write!(f, "is past the chain's head (#{head})"),
            Problem::HeadMismatch => f.write_str("the head's hash does not match it"),
        }
    }
}

/// The first record that does not verify: its number and id when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: Option<i64>,
    pub id: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seq, &self.id) {
            (Some(seq), Some(id)) => write!(f, "record #{seq} ({id}): {}", self.problem),
            (Some(seq), None) => write!(f, "record #{seq}: {}", self.problem),
            (None, Some(id)) => write!(f, "record {id}: {}", self.problem),
            (None, None) => write!(f, "{}", self.problem),
        }
    }
}

/// Walks one org's records in `chain_seq` order.
#[derive(Debug)]
pub struct Verifier {
    expected: i64,
    prev: String,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected: 1,
            prev: GENESIS.to_owned(),
            checked: 0,
        }
    }
}

impl Verifier {
    /// Continues a walk that already verified records 1..=`seq` ending in `hash`.
    pub fn resume(seq: i64, hash: String, checked: u64) -> Self {
        Self {
            expected: seq + 1,
            prev: hash,
            checked,
        }
    }

    /// Checks the next record; the first problem found is the answer.
    pub fn check(&mut self, r: &Stored<'_>) -> Result<(), ChainBreak> {
        let c = &r.content;
        let fail = |problem| ChainBreak {
            seq: Some(c.chain_seq),
            id: Some(c.id.to_owned()),
            problem,
        };
        if c.chain_seq > self.expected {
            return Err(fail(Problem::Missing {
                first: self.expected,
                last: c.chain_seq - 1,
            }));
        }
        let (Some(prev_hash), Some(hash)) = (r.prev_hash, r.hash) else {
            return Err(fail(Problem::Unhashed));
        };
        // A number below the expected one (renumbered to 0 or less) is out of place too.
        if c.chain_seq < self.expected || prev_hash != self.prev {
            return Err(fail(Problem::NotLinked));
        }
        if link_hash(prev_hash, c) != hash {
            return Err(fail(Problem::Altered));
        }
        self.expected += 1;
        self.prev = hash.to_owned();
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the org's head (`seq`, `hash`); the number of
    /// records checked when they agree.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let last = self.expected - 1;
        match head {
            None if last == 0 => Ok(0),
            None => Err(ChainBreak {
                seq: Some(last),
                id: None,
                problem: Problem::HeadMissing,
            }),
            Some((seq, _)) if seq > last => Err(ChainBreak {
                seq: Some(seq),
                id: None,
                problem: Problem::HeadAhead { last },
            }),
            Some((seq, _)) if seq < last => Err(ChainBreak {
                seq: Some(seq + 1),
                id: None,
                problem: Problem::PastHead { head: seq },
            }),
            Some((_, hash)) if hash != self.prev => Err(ChainBreak {
                seq: Some(last),
                id: None,
                problem: Problem::HeadMismatch,
            }),
            Some(_) => Ok(self.checked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(seq: i64) -> Content<'static> {
        Content {
            id: ["aud_1", "aud_2", "aud_3", "aud_4", "aud_5"][(seq - 1) as usize],
            org_id: "org_a",
            chain_seq: seq,
            occurred_at: 1_000 + seq,
            actor_kind: "user",
            actor_id: Some("usr_1"),
            action: "lead.edited",
            target_kind: Some("lead"),
            target_id: Some("led_1"),
            request_id: None,
            ip: Some("127.0.0.1"),
            metadata: r#"{"fields":["name"]}"#,
        }
    }

    /// Five chained records: (content, prev_hash, hash).
    fn chain() -> Vec<(Content<'static>, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=5)
            .map(|seq| {
                let c = content(seq);
                let hash = link_hash(&prev, &c);
                let row = (c, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn walk(rows: &[(Content<'static>, String, String)], head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let mut v = Verifier::default();
        for (content, prev, hash) in rows {
            v.check(&Stored {
                content: *content,
                prev_hash: Some(prev.as_str()),
                hash: Some(hash.as_str()),
            })?;
        }
        v.finish(head)
    }

    fn head_of(rows: &[(Content<'static>, String, String)]) -> (i64, String) {
        let last = rows.last().unwrap();
        (last.0.chain_seq, last.2.clone())
    }

    #[test]
    fn every_field_and_the_predecessor_change_the_hash() {
        let base = content(1);
        let h = link_hash(GENESIS, &base);
        assert_eq!(h.len(), 64);
        assert_eq!(h, link_hash(GENESIS, &base), "deterministic");
        let variants = [
            Content { id: "aud_x", ..base },
            Content {
                org_id: "org_b",
                ..base
            },
            Content { chain_seq: 2, ..base },
            Content { occurred_at: 0, ..base },
            Content {
                actor_kind: "cli",
                ..base
            },
            Content { actor_id: None, ..base },
            Content {
                action: "lead.booked",
                ..base
            },
            Content {
                target_kind: None,
                ..base
            },
            Content {
                target_id: Some("led_2"),
                ..base
            },
            Content {
                request_id: Some("r"),
                ..base
            },
            Content {
                ip: Some("127.0.0.2"),
                ..base
            },
            Content {
                metadata: r#"{"fields": ["name"]}"#,
                ..base
            },
        ];
        for v in variants {
            assert_ne!(link_hash(GENESIS, &v), h, "{v:?}");
        }
        assert_ne!(link_hash(&"1".repeat(64), &base), h);
    }

    #[test]
    fn fields_cannot_trade_bytes_with_their_neighbours() {
        let base = content(1);
        let a = Content {
            actor_kind: "us",
            actor_id: Some("erusr_1"),
            ..base
        };
        let b = Content {
            actor_kind: "user",
            actor_id: Some("usr_1"),
            ..base
        };
        assert_ne!(canonical(&a), canonical(&b));
        let none = Content { ip: None, ..base };
        let empty = Content { ip: Some(""), ..base };
        assert_ne!(canonical(&none), canonical(&empty));
    }

    #[test]
    fn an_intact_chain_verifies_with_its_head() {
        let rows = chain();
        let (seq, hash) = head_of(&rows);
        assert_eq!(walk(&rows, Some((seq, hash.as_str()))), Ok(5));
        assert_eq!(walk(&[], None), Ok(0));
    }

    #[test]
    fn an_altered_record_is_named() {
        let mut rows = chain();
        let (seq, hash) = head_of(&rows);
        rows[2].0.metadata = r#"{"fields":["notes"]}"#;
        let err = walk(&rows, Some((seq, hash.as_str()))).unwrap_err();
        assert_eq!((err.seq, err.problem), (Some(3), Problem::Altered));
        assert_eq!(err.id.as_deref(), Some("aud_3"));
    }

    #[test]
    fn a_rehashed_record_breaks_the_link_of_the_next_one() {
        let mut rows = chain();
        let (seq, hash) = head_of(&rows);
        rows[1].0.metadata = "{}";
        rows[1].2 = link_hash(&rows[1].1, &rows[1].0);
        let err = walk(&rows, Some((seq, hash.as_str()))).unwrap_err();
        assert_eq!((err.seq, err.problem), (Some(3), Problem::NotLinked));
    }

    #[test]
    fn a_deleted_record_is_named_by_the_one_after_the_gap() {
        let mut rows = chain();
        let (seq, hash) = head_of(&rows);
        rows.remove(1);
        let err = walk(&rows, Some((seq, hash.as_str()))).unwrap_err();
        assert_eq!(
            (err.seq, err.id.as_deref(), err.problem),
            (Some(3), Some("aud_3"), Problem::Missing { first: 2, last: 2 })
        );
    }

    #[test]
    fn swapped_records_do_not_follow_each_other() {
        // Two rows trade places: each keeps its content but takes the other's number.
        let mut rows = chain();
        let (seq, hash) = head_of(&rows);
        rows.swap(1, 3);
        rows[1].0.chain_seq = 2;
        rows[3].0.chain_seq = 4;
        let err = walk(&rows, Some((seq, hash.as_str()))).unwrap_err();
        assert_eq!(
            (err.seq, err.id.as_deref(), err.problem),
            (Some(2), Some("aud_4"), Problem::NotLinked)
        );
    }

    #[test]
    fn losing_the_last_records_or_the_head_is_caught_by_the_head() {
        let mut rows = chain();
        let (seq, hash) = head_of(&rows);
        rows.truncate(3);
        let err = walk(&rows, Some((seq, hash.as_str()))).unwrap_err();
        assert_eq!((err.seq, err.problem), (Some(5), Problem::HeadAhead { last: 3 }));
        let err = walk(&rows, None).unwrap_err();
        assert_eq!(err.problem, Problem::HeadMissing);
        let full = chain();
        let err = walk(&full, Some((5, GENESIS))).unwrap_err();
        assert_eq!(err.problem, Problem::HeadMismatch);
        let err = walk(&full, Some((4, full[3].2.as_str()))).unwrap_err();
        assert_eq!((err.seq, err.problem), (Some(5), Problem::PastHead { head: 4 }));
    }

    #[test]
    fn a_break_reads_as_one_line_naming_the_record() {
        let b = ChainBreak {
            seq: Some(17),
            id: Some("aud_x".into()),
            problem: Problem::Altered,
        };
        assert_eq!(b.to_string(), "record #17 (aud_x): content does not match its hash");
    }
}
