//! [`AuthKeyManager`]: where a server keeps its auth keys, by id.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;

use crate::{AuthKey, Error};

/// What `has_key` and `del_key` accept: a key (looked up by its id) or a bare id.
///
/// An integer is always an id, never a key value (mtpylon's `has_key(int)` and `del_key(int)`
/// take ids; only `set_key(int)` takes a value, which here is [`AuthKey::from_int_hex`] or
/// [`AuthKey::from_be_int`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_enums,
    reason = "a key or an id: there is no third way to name a key"
)]
pub enum KeyRef<'a> {
    /// A key; its [`AuthKey::id`] is used.
    Key(&'a AuthKey),
    /// An id, as [`AuthKey::id`] gives it (the packet's `auth_key_id` read big-endian).
    Id(u64),
}

impl KeyRef<'_> {
    /// The id this reference names.
    #[must_use]
    pub fn id(&self) -> u64 {
        match self {
            Self::Key(key) => key.id(),
            Self::Id(id) => *id,
        }
    }
}

impl From<u64> for KeyRef<'_> {
    fn from(id: u64) -> Self {
        Self::Id(id)
    }
}

impl<'a> From<&'a AuthKey> for KeyRef<'a> {
    fn from(key: &'a AuthKey) -> Self {
        Self::Key(key)
    }
}

/// An async store of auth keys by id, shared by every connection of a server (mtpylon's
/// `AuthKeyManagerProtocol`).
///
/// - `set_key` stores a key under its id; a key with the same id is silently replaced (the
///   DH handler checks `has_key` first and answers `dh_gen_retry` on a hit).
/// - `has_key` answers whether an id is stored; an unknown id is `false`, never an error.
/// - `get_key` returns the stored key or [`Error::AuthKeyDoesNotExist`].
/// - `del_key` removes it, or [`Error::AuthKeyDoesNotExist`] if it is not there (so deleting
///   twice fails the second time).
///
/// Every method can also fail with [`Error::Unavailable`] or [`Error::Redis`] when the backing store does not
/// answer: a store that is down never claims a key is absent.
#[async_trait]
pub trait AuthKeyManager: Send + Sync {
    /// Stores `key` under its id, replacing any key with the same id.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the store does not answer.
    async fn set_key(&self, key: AuthKey) -> Result<(), Error>;

    /// Whether a key is stored under this id.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the store does not answer.
    async fn has_key(&self, key: KeyRef<'_>) -> Result<bool, Error>;

    /// The key stored under `id`.
    ///
    /// # Errors
    /// [`Error::AuthKeyDoesNotExist`] when there is none; [`Error::Unavailable`] when the store
    /// does not answer; [`Error::CorruptEntry`] when what is stored is not the key of this id.
    async fn get_key(&self, id: u64) -> Result<AuthKey, Error>;

    /// Removes the key with this id.
    ///
    /// # Errors
    /// [`Error::AuthKeyDoesNotExist`] when there is none; [`Error::Unavailable`] when the store
    /// does not answer.
    async fn del_key(&self, key: KeyRef<'_>) -> Result<(), Error>;

    /// Stores a temporary key (created from `p_q_inner_data_temp*`) that disappears after
    /// `ttl`; it must never be persisted as a permanent one.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the store does not answer, or (the default) cannot expire
    /// keys.
    async fn set_temp_key(&self, key: AuthKey, ttl: std::time::Duration) -> Result<(), Error> {
        let _ = (key, ttl);
        Err(Error::Unavailable {
            reason: "this store cannot expire keys".into(),
        })
    }
}

macro_rules! forward_manager {
    ($($ty:ty),*) => {$(
        #[async_trait]
        impl<T: AuthKeyManager + ?Sized> AuthKeyManager for $ty {
            async fn set_key(&self, key: AuthKey) -> Result<(), Error> {
                (**self).set_key(key).await
            }
            async fn has_key(&self, key: KeyRef<'_>) -> Result<bool, Error> {
                (**self).has_key(key).await
            }
            async fn get_key(&self, id: u64) -> Result<AuthKey, Error> {
                (**self).get_key(id).await
            }
            async fn del_key(&self, key: KeyRef<'_>) -> Result<(), Error> {
                (**self).del_key(key).await
            }
            async fn set_temp_key(&self, key: AuthKey, ttl: std::time::Duration) -> Result<(), Error> {
                (**self).set_temp_key(key, ttl).await
            }
        }
    )*};
}

// Shared managers (`Arc<MemoryAuthKeyManager>`, `Box<dyn AuthKeyManager>`) are managers too.
forward_manager!(std::sync::Arc<T>, Box<T>, &T);

const SHARDS: usize = 16;

/// An in-process [`AuthKeyManager`]: a map from id to key, split into 16 independently locked
/// shards so that many tasks and threads can read at once.
///
/// ```
/// use authkey::{AuthKey, AuthKeyManager, MemoryAuthKeyManager};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let manager = MemoryAuthKeyManager::new();
/// let key = AuthKey::from_bytes(&[7; 256]);
/// manager.set_key(key.clone()).await?;
/// assert!(manager.has_key(key.id().into()).await?);
/// assert_eq!(manager.get_key(key.id()).await?, key);
/// manager.del_key((&key).into()).await?;
/// assert!(manager.get_key(key.id()).await.is_err());
/// # Ok::<(), authkey::Error>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct MemoryAuthKeyManager {
    shards: [RwLock<HashMap<u64, AuthKey>>; SHARDS],
    /// Expiry of the temporary keys among them.
    expiry: RwLock<HashMap<u64, std::time::Instant>>,
}

impl std::fmt::Debug for MemoryAuthKeyManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryAuthKeyManager")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl MemoryAuthKeyManager {
    /// An empty manager.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn shard(&self, id: u64) -> &RwLock<HashMap<u64, AuthKey>> {
        // The id is a SHA-1 slice: its low bits are already uniform.
        &self.shards[(id as usize) % SHARDS]
    }

    /// Drops `id` if it is a temporary key past its expiry; whether it did.
    fn expire(&self, id: u64) -> bool {
        let due = self
            .expiry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .is_some_and(|t| *t <= std::time::Instant::now());
        if due {
            self.expiry
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            let mut shard = self.shard(id).write().unwrap_or_else(|e| e.into_inner());
            shard.remove(&id);
        }
        due
    }

    /// Stores a temporary key that disappears after `ttl` (the synchronous form of
    /// `set_temp_key`).
    pub fn insert_temp(&self, key: AuthKey, ttl: std::time::Duration) {
        let at = std::time::Instant::now() + ttl;
        self.expiry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.id(), at);
        let mut shard = self
            .shard(key.id())
            .write()
            .unwrap_or_else(|e| e.into_inner());
        shard.insert(key.id(), key);
    }

    /// The key stored under `id`, if any (the synchronous form of `get_key`).
    #[must_use]
    pub fn get(&self, id: u64) -> Option<AuthKey> {
        self.expire(id);
        // A poisoned lock only means another thread panicked mid-insert; the map is intact.
        let shard = self.shard(id).read().unwrap_or_else(|e| e.into_inner());
        shard.get(&id).cloned()
    }

    /// Stores a key (the synchronous form of `set_key`).
    pub fn insert(&self, key: AuthKey) {
        self.expiry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key.id());
        let mut shard = self
            .shard(key.id())
            .write()
            .unwrap_or_else(|e| e.into_inner());
        shard.insert(key.id(), key);
    }

    /// Removes a key by id; whether it was there.
    pub fn remove(&self, id: u64) -> bool {
        let mut shard = self.shard(id).write().unwrap_or_else(|e| e.into_inner());
        shard.remove(&id).is_some()
    }

    /// Whether an id is stored.
    #[must_use]
    pub fn contains(&self, id: u64) -> bool {
        self.expire(id);
        let shard = self.shard(id).read().unwrap_or_else(|e| e.into_inner());
        shard.contains_key(&id)
    }

    /// Every stored id, sorted.
    #[must_use]
    pub fn ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .shards
            .iter()
            .flat_map(|s| {
                s.read()
                    .unwrap_or_else(|e| e.into_inner())
                    .keys()
                    .copied()
                    .collect::<Vec<_>>()
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    /// How many keys are stored.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    /// Whether no key is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl AuthKeyManager for MemoryAuthKeyManager {
    async fn set_key(&self, key: AuthKey) -> Result<(), Error> {
        self.insert(key);
        Ok(())
    }

    async fn has_key(&self, key: KeyRef<'_>) -> Result<bool, Error> {
        Ok(self.contains(key.id()))
    }

    async fn get_key(&self, id: u64) -> Result<AuthKey, Error> {
        self.get(id).ok_or(Error::AuthKeyDoesNotExist { id })
    }

    async fn del_key(&self, key: KeyRef<'_>) -> Result<(), Error> {
        let id = key.id();
        if !self.expire(id) && self.remove(id) {
            Ok(())
        } else {
            Err(Error::AuthKeyDoesNotExist { id })
        }
    }

    async fn set_temp_key(&self, key: AuthKey, ttl: std::time::Duration) -> Result<(), Error> {
        self.insert_temp(key, ttl);
        Ok(())
    }
}
