//! This instance's API key machinery, built once at start-up (and by the command line):
//! the keyed hash, minting, the check a request's key goes through, the last-use marks
//! kept in memory, and the seal of new secrets waiting for their one-time display.
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
//! - **Reveals.** A secret made on the key page waits for the one page view that shows it in
//!   the database (`api_key_reveals`), so whichever instance answers that view can show it;
//!   never in plain text there, in a URL or in a log. It is sealed with ChaCha20-Poly1305
//!   ([`Keyring::seal_reveal`], [`Keyring::open_reveal`]) under a 256-bit key generated once
//!   and kept in `instance_secrets` (`api_key_reveal_seal`, shared by every instance on the
//!   database), with a random 96-bit nonce per reveal, and bound to its row (the hash of the
//!   token the redirect names, the org and the member) so a sealed secret moved to another
//!   row does not open. Storing and taking are in `services::api_keys` ([`super::stash_reveal`],
//!   [`super::take_reveal`]).

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
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use secrecy::{ExposeSecret, SecretString};
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
/// The instance secret that seals reveals: 32 random bytes, hex.
pub const REVEAL_SECRET_NAME: &str = "api_key_reveal_seal";
/// Bound on what is held in memory (a flood of distinct keys cannot grow it further).
const CACHE_MAX: usize = 10_000;

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

/// A new secret for the one page view that shows it to the member who made it (what is
/// stored, sealed, in `api_key_reveals`, and what taking it gives back).
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
    /// Seals and opens reveals (ChaCha20-Poly1305).
    seal: LessSafeKey,
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
    /// says. The hash key and the reveal seal's key are generated on first use and kept in
    /// the database, so every instance on it uses the same ones.
    pub async fn load(db: &Db, live: bool) -> Result<Self, sqlx::Error> {
        let mut conn = db.acquire().await?;
        let secret =
            instance_secrets::get_or_insert(&mut conn, HMAC_SECRET_NAME, &tokens::generate(), now_ms()).await?;
        let seal =
            instance_secrets::get_or_insert(&mut conn, REVEAL_SECRET_NAME, &tokens::generate(), now_ms()).await?;
        let seal = hex::decode(seal.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
            .ok_or_else(|| {
                sqlx::Error::Decode(format!("the instance secret {REVEAL_SECRET_NAME} is not 64 hex digits").into())
            })?;
        Ok(Self::with_seal_key(secret.as_bytes(), &seal, KeyMode::from_live(live)))
    }

    /// A keyring hashing with `hmac_key`, sealing reveals with a key of its own that no
    /// other keyring has (tests build one directly).
    pub fn new(hmac_key: &[u8], mode: KeyMode) -> Self {
        let mut seal = [0u8; 32];
        OsRng.fill_bytes(&mut seal);
        Self::with_seal_key(hmac_key, &seal, mode)
    }

    fn with_seal_key(hmac_key: &[u8], seal_key: &[u8; 32], mode: KeyMode) -> Self {
        Self {
            mac: HmacSha256::new_from_slice(hmac_key).expect("HMAC accepts keys of any length"),
            mode,
            cache: Mutex::default(),
            generation: AtomicU64::new(0),
            last_used: Mutex::default(),
            seal: LessSafeKey::new(
                UnboundKey::new(&CHACHA20_POLY1305, seal_key).expect("ChaCha20-Poly1305 takes a 32-byte key"),
            ),
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

    /// `secret` sealed for the reveal row `id` (the SHA-256 hex of the token the redirect
    /// names) of the member `user_id` in `org_id`: a random nonce, then the ciphertext and
    /// its tag. Only [`Keyring::open_reveal`] with the same row and a keyring holding the
    /// same seal key opens it.
    pub fn seal_reveal(&self, id: &str, org_id: &str, user_id: &str, secret: &SecretString) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let mut in_out = secret.expose_secret().as_bytes().to_vec();
        self.seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(reveal_aad(id, org_id, user_id)),
                &mut in_out,
            )
            .expect("a key's secret is far below ChaCha20-Poly1305's length limit");
        let mut sealed = Vec::with_capacity(NONCE_LEN + in_out.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&in_out);
        sealed
    }

    /// The secret [`Keyring::seal_reveal`] sealed for this same row; `None` when it was
    /// sealed for another row or with another key, or was altered.
    pub fn open_reveal(&self, id: &str, org_id: &str, user_id: &str, sealed: &[u8]) -> Option<SecretString> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = ciphertext.to_vec();
        let opened = self
            .seal
            .open_in_place(nonce, Aad::from(reveal_aad(id, org_id, user_id)), &mut in_out)
            .ok()?;
        let secret = String::from_utf8(opened.to_vec()).ok()?;
        Some(SecretString::from(secret))
    }
}

/// What a reveal's seal is bound to: its row (the id, the org, the member), each part
/// preceded by its length so no two rows give the same bytes.
fn reveal_aad(id: &str, org_id: &str, user_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(24 + id.len() + org_id.len() + user_id.len());
    for part in [id, org_id, user_id] {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
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
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let ring = Keyring::new(b"k", KeyMode::Test);
        let secret = SecretString::from("cs_test_secret_that_must_never_be_stored_plain");
        let id = "a".repeat(64);
        let sealed = ring.seal_reveal(&id, "org_1", "usr_1", &secret);
        assert!(
            !sealed.windows(14).any(|w| w == b"that_must_neve"),
            "the secret is not in the sealed bytes"
        );
        assert_ne!(
            sealed,
            ring.seal_reveal(&id, "org_1", "usr_1", &secret),
            "a fresh nonce each time"
        );
        let opened = ring
            .open_reveal(&id, "org_1", "usr_1", &sealed)
            .expect("its own row opens it");
        assert_eq!(opened.expose_secret(), secret.expose_secret());
        // Moved to another row (another token, member or org), it does not open.
        assert!(ring.open_reveal(&"b".repeat(64), "org_1", "usr_1", &sealed).is_none());
        assert!(ring.open_reveal(&id, "org_1", "usr_2", &sealed).is_none());
        assert!(ring.open_reveal(&id, "org_2", "usr_1", &sealed).is_none());
        assert!(
            ring.open_reveal(&id, "org_", "1usr_1", &sealed).is_none(),
            "the parts stay apart"
        );
        // Another seal key, an altered byte, a truncated value: nothing.
        assert!(Keyring::new(b"k", KeyMode::Test)
            .open_reveal(&id, "org_1", "usr_1", &sealed)
            .is_none());
        let mut altered = sealed.clone();
        altered[NONCE_LEN + 3] ^= 1;
        assert!(ring.open_reveal(&id, "org_1", "usr_1", &altered).is_none());
        assert!(ring
            .open_reveal(&id, "org_1", "usr_1", &sealed[..NONCE_LEN + 4])
            .is_none());
        assert!(ring.open_reveal(&id, "org_1", "usr_1", &[]).is_none());
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
