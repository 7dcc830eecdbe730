//! This instance's API key machinery, built once at start-up (and by the command line):
//! the keyed hash, minting, the check a request's key goes through, the last-use marks
//! kept in memory, and the one-time reveals of new secrets for the key page.
//!
//! - **Hash.** A key is stored as HMAC-SHA256 over the whole key, keyed with a secret this
//!   instance generated once and keeps in `instance_secrets` (`api_key_hmac`). Keys carry
//!   256 random bits, so a fast keyed hash is enough; argon2 would cost every request.
//! - **Check.** Format and checksum first (no database), then the mode (a live server
//!   refuses test keys and the reverse), then the hash is looked up: in a small cache that
//!   holds what the database said for at most [`CACHE_TTL`], else in the database. The
//!   stored hash is compared in constant time, then revocation, expiry and the rotation
//!   grace are checked. [`Keyring::forget`] drops a key from the cache, so a revocation or
//!   rotation on this instance takes effect at once. On PostgreSQL the change also notifies
//!   the other instances as it commits (`cluster::key_changed`; the command line's too), and
//!   their listener forgets the key at once. A notification is lost while a listener is
//!   reconnecting, and SQLite has none (the command line is another process), so
//!   [`CACHE_TTL`] stays the bound on how long another instance may accept a revoked key.
//! - **Last use.** Each accepted request marks its key in memory; the marks are written to
//!   the database every [`LAST_USED_FLUSH_EVERY`] and at shutdown, so "last used" is right
//!   to within a minute and no request waits on a write.
//! - **Reveals.** A secret made on the key page is held here, in memory only, for the one
//!   page view that shows it ([`Keyring::stash`], [`Keyring::take`]): never in the
//!   database, a URL or a log.

use std::{
    collections::HashMap,
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{
    domain::{
        api_key::{self, KeyFormatError, KeyMode, RANDOM_BYTES},
        scope::Scope,
    },
    ssr::{
        auth::tokens,
        clock::now_ms,
        core::Core,
        db::{api_keys, instance_secrets, Db},
        live::Effects,
        writer::WriteError,
    },
};

type HmacSha256 = Hmac<Sha256>;

/// How long a key's stored state is reused before the database is asked again: a
/// revocation made elsewhere (another instance, the command line) is seen within this even
/// when its notification was lost (see the module doc).
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// How often the last-use marks are written to the database.
pub const LAST_USED_FLUSH_EVERY: Duration = Duration::from_secs(30);
/// How long a new secret waits for the page view that shows it.
pub const REVEAL_TTL: Duration = Duration::from_secs(600);
/// The instance secret that keys the hash.
pub const HMAC_SECRET_NAME: &str = "api_key_hmac";
/// Bounds on what is held in memory (a flood of distinct keys cannot grow it further).
const CACHE_MAX: usize = 10_000;
const REVEALS_MAX: usize = 1_000;

/// A freshly made key: the secret (to hand out once) and what is stored of it.
pub struct Minted {
    pub token: SecretString,
    /// HMAC-SHA256 of the key, hex.
    pub hash: String,
    /// Its first 12 characters.
    pub prefix: String,
    pub mode: KeyMode,
}

/// A key a request presented that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    pub key_id: String,
    pub org_id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Why a presented key was refused. Every reason but `Db` is answered the same way (401),
/// so a client learns nothing about keys it does not hold.
#[derive(Debug, thiserror::Error)]
pub enum KeyRejected {
    #[error("malformed key: {0}")]
    Malformed(#[from] KeyFormatError),
    #[error("a key of the other mode (live/test)")]
    WrongMode,
    #[error("unknown key")]
    Unknown,
    #[error("expired key (or an earlier secret past its grace)")]
    Expired,
    #[error("revoked key")]
    Revoked,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

/// A new secret waiting for the one page view that shows it to the member who made it.
pub struct Reveal {
    pub user_id: String,
    pub org_id: String,
    pub key_id: String,
    pub name: String,
    pub prefix: String,
    pub token: SecretString,
    /// Made by a rotation (not a creation).
    pub rotated: bool,
    /// After a rotation: until when the earlier secret works.
    pub previous_until: Option<i64>,
}

#[derive(Clone)]
struct Known {
    row: api_keys::KeyAuthRow,
    scopes: Vec<Scope>,
    fetched: Instant,
}

pub struct Keyring {
    /// Keyed once with the instance secret; cloned for each hash.
    mac: HmacSha256,
    mode: KeyMode,
    cache: Mutex<HashMap<String, Known>>,
    /// Bumped by every [`Keyring::forget`]: a lookup that started before it does not
    /// cache what it read.
    generation: AtomicU64,
    /// Key id → (org id, last use in unix ms), not yet written.
    last_used: Mutex<HashMap<String, (String, i64)>>,
    reveals: Mutex<HashMap<String, (Reveal, Instant)>>,
}

// Hand-written: nothing secret is ever printed.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// The keyring of the instance whose database is `db`, minting keys of the mode `live`
    /// says. The hash key is generated on first use and kept in the database.
    pub async fn load(db: &Db, live: bool) -> Result<Self, sqlx::Error> {
        let mut conn = db.acquire().await?;
        let secret =
            instance_secrets::get_or_insert(&mut conn, HMAC_SECRET_NAME, &tokens::generate(), now_ms()).await?;
        Ok(Self::new(secret.as_bytes(), KeyMode::from_live(live)))
    }

    /// A keyring hashing with `hmac_key` (tests build one directly).
    pub fn new(hmac_key: &[u8], mode: KeyMode) -> Self {
        Self {
            mac: HmacSha256::new_from_slice(hmac_key).expect("HMAC accepts keys of any length"),
            mode,
            cache: Mutex::default(),
            generation: AtomicU64::new(0),
            last_used: Mutex::default(),
            reveals: Mutex::default(),
        }
    }

    /// The mode of the keys this instance mints and accepts.
    pub fn mode(&self) -> KeyMode {
        self.mode
    }

    /// The stored hash of `token`: HMAC-SHA256 keyed with the instance secret, hex.
    pub fn hash(&self, token: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new key of this instance's mode (32 bytes from the operating system).
    pub fn mint(&self) -> Minted {
        let mut random = [0u8; RANDOM_BYTES];
        OsRng.fill_bytes(&mut random);
        let token = api_key::mint(self.mode, &random);
        let hash = self.hash(&token);
        let prefix = api_key::visible_prefix(&token).to_owned();
        Minted {
            token: SecretString::from(token),
            hash,
            prefix,
            mode: self.mode,
        }
    }

    /// Checks a presented key at `now` (unix ms) and marks it used.
    pub async fn verify(&self, db: &Db, token: &str, now: i64) -> Result<VerifiedKey, KeyRejected> {
        let mode = api_key::check(token)?;
        if mode != self.mode {
            return Err(KeyRejected::WrongMode);
        }
        let hash = self.hash(token);
        let known = match self.cached(&hash) {
            Some(known) => known,
            None => {
                let generation = self.generation.load(Ordering::Acquire);
                let row = {
                    let mut conn = db.acquire().await?;
                    api_keys::find_by_hash(&mut conn, &hash).await?
                };
                let Some(row) = row else {
                    return Err(KeyRejected::Unknown);
                };
                let known = Known {
                    scopes: api_keys::scopes_from_stored(&row.scopes),
                    row,
                    fetched: Instant::now(),
                };
                self.remember(&hash, &known, generation);
                known
            }
        };
        let row = &known.row;
        let current: bool = row.secret_hash.as_bytes().ct_eq(hash.as_bytes()).into();
        let previous = row
            .previous_secret_hash
            .as_deref()
            .is_some_and(|p| bool::from(p.as_bytes().ct_eq(hash.as_bytes())));
        if !current && !previous {
            return Err(KeyRejected::Unknown);
        }
        if row.revoked_at.is_some() {
            return Err(KeyRejected::Revoked);
        }
        if row.expires_at.is_some_and(|t| t <= now) {
            return Err(KeyRejected::Expired);
        }
        if !current && row.previous_expires_at.is_none_or(|t| t <= now) {
            return Err(KeyRejected::Expired);
        }
        self.note_used(&row.id, &row.org_id, now);
        Ok(VerifiedKey {
            key_id: row.id.clone(),
            org_id: row.org_id.clone(),
            name: row.name.clone(),
            scopes: known.scopes.clone(),
        })
    }

    fn cached(&self, hash: &str) -> Option<Known> {
        let cache = self.cache.lock().ok()?;
        cache.get(hash).filter(|k| k.fetched.elapsed() < CACHE_TTL).cloned()
    }

    fn remember(&self, hash: &str, known: &Known, generation: u64) {
        let Ok(mut cache) = self.cache.lock() else { return };
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, k| k.fetched.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(hash.to_owned(), known.clone());
    }

    /// Forgets what the cache holds about the key `key_id` (after a revocation or rotation
    /// on this instance has committed), so the next request reads the database.
    pub fn forget(&self, key_id: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, k| k.row.id != key_id);
        }
    }

    /// Marks the key used at `at` (in memory; see [`Keyring::flush_last_used`]).
    pub fn note_used(&self, key_id: &str, org_id: &str, at: i64) {
        let Ok(mut marks) = self.last_used.lock() else { return };
        match marks.get_mut(key_id) {
            Some(mark) => mark.1 = mark.1.max(at),
            None => {
                marks.insert(key_id.to_owned(), (org_id.to_owned(), at));
            }
        }
    }

    /// A use of `key_id` marked in memory and not yet written, if any.
    pub fn pending_last_used(&self, key_id: &str) -> Option<i64> {
        self.last_used.lock().ok()?.get(key_id).map(|(_, at)| *at)
    }

    /// Writes the last-use marks through the writer (one job), answering how many keys it
    /// wrote. On failure the marks are kept for the next attempt.
    pub async fn flush_last_used(&self, core: &Core) -> Result<usize, WriteError> {
        let marks: Vec<(String, String, i64)> = match self.last_used.lock() {
            Ok(mut marks) => marks.drain().map(|(id, (org, at))| (id, org, at)).collect(),
            Err(_) => return Ok(0),
        };
        if marks.is_empty() {
            return Ok(0);
        }
        let written = marks.clone();
        let done = core
            .commit(move |conn| {
                Box::pin(async move {
                    for (id, org, at) in &written {
                        api_keys::touch_last_used(conn, org, id, *at).await?;
                    }
                    Ok(((), Effects::default()))
                })
            })
            .await;
        match done {
            Ok(()) => Ok(marks.len()),
            Err(err) => {
                for (id, org, at) in marks {
                    self.note_used(&id, &org, at);
                }
                Err(err)
            }
        }
    }

    /// Holds a new secret for the page view that shows it; answers the id that view names
    /// (random, and useless to anyone but the member who made the key).
    pub fn stash(&self, reveal: Reveal) -> String {
        let id = tokens::generate();
        if let Ok(mut reveals) = self.reveals.lock() {
            reveals.retain(|_, (_, at)| at.elapsed() < REVEAL_TTL);
            if reveals.len() >= REVEALS_MAX {
                reveals.clear();
            }
            reveals.insert(id.clone(), (reveal, Instant::now()));
        }
        id
    }

    /// The secret held under `id` for the member `user_id` in `org_id`, handed out once.
    pub fn take(&self, id: &str, user_id: &str, org_id: &str) -> Option<Reveal> {
        let mut reveals = self.reveals.lock().ok()?;
        let theirs = reveals
            .get(id)
            .is_some_and(|(r, at)| r.user_id == user_id && r.org_id == org_id && at.elapsed() < REVEAL_TTL);
        if !theirs {
            return None;
        }
        reveals.remove(id).map(|(reveal, _)| reveal)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn the_hash_is_keyed_and_minted_keys_carry_the_mode() {
        let a = Keyring::new(b"instance-a", KeyMode::Test);
        let b = Keyring::new(b"instance-b", KeyMode::Live);
        let minted = a.mint();
        let token = minted.token.expose_secret();
        assert!(token.starts_with("cs_test_") && api_key::check(token).is_ok());
        assert_eq!(minted.hash, a.hash(token));
        assert_ne!(
            a.hash(token),
            b.hash(token),
            "another instance's key gives another hash"
        );
        assert_eq!(minted.hash.len(), 64);
        assert!(!minted.hash.contains(&token[12..]));
        assert_eq!(minted.prefix, &token[..12]);
        assert!(b.mint().token.expose_secret().starts_with("cs_live_"));
        assert!(!format!("{a:?}").contains("instance-a"));
    }

    #[test]
    fn a_reveal_is_shown_once_and_only_to_its_maker() {
        let ring = Keyring::new(b"k", KeyMode::Test);
        let reveal = |user: &str| Reveal {
            user_id: user.into(),
            org_id: "org_1".into(),
            key_id: "key_1".into(),
            name: "Zapier".into(),
            prefix: "cs_test_abcd".into(),
            token: SecretString::from("cs_test_secret"),
            rotated: false,
            previous_until: None,
        };
        let id = ring.stash(reveal("usr_1"));
        assert!(ring.take(&id, "usr_2", "org_1").is_none(), "someone else");
        assert!(ring.take(&id, "usr_1", "org_2").is_none(), "another org");
        assert!(ring.take("nope", "usr_1", "org_1").is_none());
        let shown = ring.take(&id, "usr_1", "org_1").expect("the maker sees it");
        assert_eq!(shown.token.expose_secret(), "cs_test_secret");
        assert!(ring.take(&id, "usr_1", "org_1").is_none(), "only once");
    }

    #[test]
    fn last_use_marks_keep_the_latest() {
        let ring = Keyring::new(b"k", KeyMode::Test);
        ring.note_used("key_1", "org_1", 10);
        ring.note_used("key_1", "org_1", 5);
        assert_eq!(ring.pending_last_used("key_1"), Some(10));
        assert_eq!(ring.pending_last_used("key_2"), None);
    }
}
