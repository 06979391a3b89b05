//! The key chain: user secret key → datastore → shares → secrets, and the walk over the
//! decrypted folder trees (shares followed recursively, cycles and repeats handled).

use core::fmt;
use std::collections::BTreeMap;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::SecretKey;
use crate::json::{Obj, SecretJson, parse_object};

fn ciphertext_pair(o: Obj<'_>, data: &str, nonce: &str) -> Result<(String, String), Error> {
    Ok((
        o.str(data)?.to_owned(),
        o.opt_str(nonce)?.unwrap_or("").to_owned(),
    ))
}

/// Decrypts `data` (an empty string stands for `{}`, as a fresh datastore has it).
fn open_tree(
    key: &SecretKey,
    data: &str,
    nonce: &str,
    what: &'static str,
) -> Result<SecretJson, Error> {
    if data.is_empty() {
        return Ok(SecretJson(Value::Object(Map::new())));
    }
    let plain = key.open_hex(data, nonce)?;
    Ok(SecretJson(parse_object(&plain, what)?))
}

/// `GET /datastore/{id}/`, still encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedDatastore {
    /// `data`, hex.
    pub data: String,
    /// `data_nonce`, hex (`""` when null).
    pub data_nonce: String,
    /// `secret_key`: the datastore key wrapped with the user's secret key, hex.
    pub secret_key: String,
    /// `secret_key_nonce`, hex.
    pub secret_key_nonce: String,
    /// `type` (`password`, `user`, `settings`, `gpg-user`).
    pub kind: String,
    /// `description`.
    pub description: String,
}

impl EncryptedDatastore {
    /// Reads the response object.
    ///
    /// # Errors
    /// [`Error::MissingField`] or [`Error::InvalidJson`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "datastore")?;
        let (data, data_nonce) = ciphertext_pair(o, "data", "data_nonce")?;
        Ok(Self {
            data,
            data_nonce,
            secret_key: o.str("secret_key")?.to_owned(),
            secret_key_nonce: o.str("secret_key_nonce")?.to_owned(),
            kind: o.opt_str("type")?.unwrap_or("").to_owned(),
            description: o.opt_str("description")?.unwrap_or("").to_owned(),
        })
    }

    /// Decrypts the datastore key with the user's secret key, then the content.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`] (wrong key or tampered), hex/length and JSON errors.
    pub fn open(&self, user_secret_key: &SecretKey) -> Result<Datastore, Error> {
        let key =
            user_secret_key.open_key(&self.secret_key, &self.secret_key_nonce, "datastore key")?;
        let content = open_tree(&key, &self.data, &self.data_nonce, "datastore content")?;
        Ok(Datastore {
            key,
            content: Folder(content),
        })
    }
}

impl fmt::Debug for EncryptedDatastore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedDatastore")
            .field("type", &self.kind)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// A decrypted folder tree: a datastore's or a share's content. Every string in it (names
/// and the keys of items and shares) is zeroized on drop.
#[derive(Clone, PartialEq)]
pub struct Folder(SecretJson);

impl Folder {
    /// Parses a decrypted tree (a datastore's or share's plaintext JSON object).
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when it is not a JSON object.
    pub fn parse(plaintext: &[u8]) -> Result<Self, Error> {
        Ok(Self(SecretJson(parse_object(plaintext, "folder")?)))
    }

    /// The JSON tree (`items`, `folders`, `share_index`, ...).
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.0.0
    }
}

impl fmt::Debug for Folder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Folder([redacted])")
    }
}

/// A decrypted datastore.
#[derive(Clone, Debug)]
pub struct Datastore {
    /// The datastore's key.
    pub key: SecretKey,
    /// Its content.
    pub content: Folder,
}

/// `GET /share/{id}/`, still encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedShare {
    /// `id`.
    pub id: String,
    /// `data`, hex.
    pub data: String,
    /// `data_nonce`, hex.
    pub data_nonce: String,
}

impl EncryptedShare {
    /// Reads the response object.
    ///
    /// # Errors
    /// [`Error::MissingField`] or [`Error::InvalidJson`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "share")?;
        let (data, data_nonce) = ciphertext_pair(o, "data", "data_nonce")?;
        Ok(Self {
            id: o.opt_str("id")?.unwrap_or("").to_owned(),
            data,
            data_nonce,
        })
    }

    /// Decrypts the share's content with its key (taken from the parent tree).
    ///
    /// # Errors
    /// [`Error::DecryptFailed`], hex/length and JSON errors.
    pub fn open(&self, share_key: &SecretKey) -> Result<Folder, Error> {
        open_tree(share_key, &self.data, &self.data_nonce, "share content").map(Folder)
    }
}

impl fmt::Debug for EncryptedShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedShare")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// `GET /secret/{id}/`, still encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedSecret {
    /// `data`, hex.
    pub data: String,
    /// `data_nonce`, hex.
    pub data_nonce: String,
    /// `write_date`, if given.
    pub write_date: Option<String>,
}

impl EncryptedSecret {
    /// Reads the response object.
    ///
    /// # Errors
    /// [`Error::MissingField`] or [`Error::InvalidJson`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "secret")?;
        let (data, data_nonce) = ciphertext_pair(o, "data", "data_nonce")?;
        Ok(Self {
            data,
            data_nonce,
            write_date: o.opt_str("write_date")?.map(str::to_owned),
        })
    }

    /// Decrypts the secret with its key (from the datastore or share item).
    ///
    /// # Errors
    /// [`Error::DecryptFailed`], hex/length and JSON errors.
    pub fn open(&self, secret_key: &SecretKey) -> Result<SecretData, Error> {
        SecretData::open(secret_key, &self.data, &self.data_nonce)
    }
}

impl fmt::Debug for EncryptedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedSecret")
            .field("write_date", &self.write_date)
            .finish_non_exhaustive()
    }
}

/// A decrypted secret: a JSON object of fields such as `website_password_password`.
/// Every string value is zeroized on drop; `Debug` shows the field names only.
#[derive(Clone, PartialEq)]
pub struct SecretData(SecretJson);

impl SecretData {
    /// Decrypts `data` with the secret's key.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`], hex/length and JSON errors.
    pub fn open(secret_key: &SecretKey, data: &str, nonce: &str) -> Result<Self, Error> {
        let plain = secret_key.open_hex(data, nonce)?;
        Ok(Self(SecretJson(parse_object(&plain, "secret")?)))
    }

    /// Builds secret data from fields (to write a secret).
    #[must_use]
    pub fn from_fields(fields: Map<String, Value>) -> Self {
        Self(SecretJson(Value::Object(fields)))
    }

    /// Encrypts the fields with `secret_key` under a fresh nonce (compact JSON, as
    /// psono-client's `JSON.stringify`); returns hex `(data, data_nonce)`.
    ///
    /// # Errors
    /// [`Error::Random`].
    pub fn seal(&self, secret_key: &SecretKey) -> Result<(String, String), Error> {
        let text = Zeroizing::new(self.json().to_string());
        secret_key.seal_hex(text.as_bytes())
    }

    /// The whole JSON object.
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.0.0
    }

    /// The field names.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.json()
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// A field's value.
    ///
    /// # Errors
    /// [`Error::UnknownField`].
    pub fn field(&self, name: &str) -> Result<&Value, Error> {
        self.json().get(name).ok_or_else(|| Error::UnknownField {
            field: name.to_owned(),
        })
    }

    /// A string field (`None` when the value is `null`).
    ///
    /// # Errors
    /// [`Error::UnknownField`] when absent, [`Error::InvalidJson`] when not a string or null.
    pub fn field_str(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.field(name)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(Error::shape("secret field")),
        }
    }

    /// Sets a field (to write the secret back).
    pub fn set_field(&mut self, name: &str, value: Value) {
        if let Value::Object(m) = &mut self.0.0
            && let Some(mut old) = m.insert(name.to_owned(), value)
        {
            crate::json::zeroize_value(&mut old);
        }
    }
}

impl fmt::Debug for SecretData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretData")
            .field("fields", &self.field_names().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The body of `POST /api-key-access/secret/` (sessionless, for keys with secrets attached).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyAccessSecret {
    /// `data`, hex.
    pub data: String,
    /// `data_nonce`, hex.
    pub data_nonce: String,
    /// `secret_key`: the secret's key wrapped with the API secret key, hex.
    pub secret_key: String,
    /// `secret_key_nonce`, hex.
    pub secret_key_nonce: String,
}

impl ApiKeyAccessSecret {
    /// Reads the response object.
    ///
    /// # Errors
    /// [`Error::MissingField`] or [`Error::InvalidJson`].
    pub fn from_json(v: &Value) -> Result<Self, Error> {
        let o = Obj::of(v, "api key access secret")?;
        Ok(Self {
            data: o.str("data")?.to_owned(),
            data_nonce: o.opt_str("data_nonce")?.unwrap_or("").to_owned(),
            secret_key: o.str("secret_key")?.to_owned(),
            secret_key_nonce: o.str("secret_key_nonce")?.to_owned(),
        })
    }

    /// Decrypts the secret's key with the API secret key, then the secret. There is no server
    /// signature on this path: integrity comes from the two MACs.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`], hex/length and JSON errors.
    pub fn open(&self, api_key_secret_key: &SecretKey) -> Result<(SecretKey, SecretData), Error> {
        let key =
            api_key_secret_key.open_key(&self.secret_key, &self.secret_key_nonce, "secret key")?;
        let data = SecretData::open(&key, &self.data, &self.data_nonce)?;
        Ok((key, data))
    }
}

impl fmt::Debug for ApiKeyAccessSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyAccessSecret").finish_non_exhaustive()
    }
}

/// One item (a secret link) found in the tree.
#[derive(Clone)]
pub struct Entry {
    /// Folder names from the datastore root (share links by their name in the parent), then
    /// the item's name.
    pub path: Vec<String>,
    /// The item's link id (`id`), not the secret id.
    pub link_id: Option<String>,
    /// `type` (`website_password`, `note`, ...).
    pub kind: String,
    /// `secret_id`, the id for `/secret/{id}/`.
    pub secret_id: Option<String>,
    /// The secret's key, if the item has one.
    pub secret_key: Option<SecretKey>,
    /// `urlfilter`, if any.
    pub urlfilter: Option<String>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

/// A share the walk needs next: fetch `GET /share/{share_id}/` and hand it to
/// [`TreeWalker::provide_share`].
#[derive(Clone, Debug)]
pub struct ShareRequest {
    /// The share's id.
    pub share_id: String,
}

/// What the walk needs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Step {
    /// A share's encrypted content.
    NeedShare(ShareRequest),
    /// The walk is complete: take the result with [`TreeWalker::finish`].
    Done,
}

struct Frame {
    folder: SecretJson,
    path: Vec<String>,
    ancestors: Vec<String>,
    next_folder: usize,
}

struct Pending {
    share_id: String,
    key: SecretKey,
    path: Vec<String>,
    ancestors: Vec<String>,
}

/// The walk over a datastore and the shares it links, sans I/O: ask [`TreeWalker::next_step`]
/// what is needed, fetch it, hand it back.
///
/// Order (psono-client's): in each folder its items, then its sub-folders depth first; a
/// folder with `share_id` is replaced by the share's content; `deleted` nodes are skipped; a
/// share already on the path from the root is not entered again (cycles); a share reached a
/// second time elsewhere is read once and listed under both paths.
pub struct TreeWalker {
    stack: Vec<Frame>,
    entries: Vec<Entry>,
    shares_read: Vec<String>,
    cache: BTreeMap<String, Folder>,
    pending: Option<Pending>,
}

impl fmt::Debug for TreeWalker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeWalker")
            .field("entries", &self.entries.len())
            .field("shares_read", &self.shares_read)
            .finish_non_exhaustive()
    }
}

fn is_deleted(v: &Value) -> bool {
    v.get("deleted").and_then(Value::as_bool).unwrap_or(false)
}

fn name_of(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

impl TreeWalker {
    /// Starts at a datastore's (or a share's) content.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when an item or folder list has the wrong shape.
    pub fn new(root: &Folder) -> Result<Self, Error> {
        let mut w = Self {
            stack: Vec::new(),
            entries: Vec::new(),
            shares_read: Vec::new(),
            cache: BTreeMap::new(),
            pending: None,
        };
        w.enter(root.json().clone(), Vec::new(), Vec::new())?;
        Ok(w)
    }

    fn enter(
        &mut self,
        folder: Value,
        path: Vec<String>,
        ancestors: Vec<String>,
    ) -> Result<(), Error> {
        if !folder.is_object() {
            return Err(Error::shape("folder"));
        }
        match folder.get("items") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    if !item.is_object() {
                        return Err(Error::shape("item"));
                    }
                    if is_deleted(item) {
                        continue;
                    }
                    let o = Obj::of(item, "item")?;
                    let mut p = path.clone();
                    p.push(name_of(item));
                    let secret_key = o
                        .opt_str("secret_key")?
                        .map(SecretKey::from_hex)
                        .transpose()?;
                    let secret_id = o.opt_str("secret_id")?.map(str::to_owned);
                    self.entries.push(Entry {
                        path: p,
                        link_id: o.opt_str("id")?.map(str::to_owned),
                        kind: o.opt_str("type")?.unwrap_or("").to_owned(),
                        secret_id,
                        secret_key,
                        urlfilter: o.opt_str("urlfilter")?.map(str::to_owned),
                    });
                }
            }
            Some(_) => return Err(Error::shape("items")),
        }
        match folder.get("folders") {
            None | Some(Value::Null | Value::Array(_)) => {}
            Some(_) => return Err(Error::shape("folders")),
        }
        self.stack.push(Frame {
            folder: SecretJson(folder),
            path,
            ancestors,
            next_folder: 0,
        });
        Ok(())
    }

    fn share_key(folder: &Value, parent: &Value, share_id: &str) -> Result<SecretKey, Error> {
        if let Some(k) = folder.get("share_secret_key").and_then(Value::as_str) {
            return SecretKey::from_hex(k);
        }
        parent
            .get("share_index")
            .and_then(|i| i.get(share_id))
            .and_then(|e| e.get("secret_key"))
            .and_then(Value::as_str)
            .ok_or_else(|| Error::missing("share_secret_key"))
            .and_then(SecretKey::from_hex)
    }

    /// Advances the walk until it needs a share or is done.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] for malformed trees, key errors; a share answer is still
    /// outstanding when this is called again without [`TreeWalker::provide_share`]
    /// ([`Error::MissingField`] `share`).
    pub fn next_step(&mut self) -> Result<Step, Error> {
        if let Some(p) = &self.pending {
            return Ok(Step::NeedShare(ShareRequest {
                share_id: p.share_id.clone(),
            }));
        }
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Ok(Step::Done);
            };
            let idx = top.next_folder;
            let mut child = match top
                .folder
                .0
                .get_mut("folders")
                .and_then(Value::as_array_mut)
            {
                Some(list) if idx < list.len() => SecretJson(list[idx].take()),
                _ => {
                    self.stack.pop();
                    continue;
                }
            };
            top.next_folder += 1;
            if !child.0.is_object() {
                return Err(Error::shape("folder"));
            }
            if is_deleted(&child.0) {
                continue;
            }
            let mut path = top.path.clone();
            path.push(name_of(&child.0));
            let link = child
                .0
                .get("share_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let Some(share_id) = link else {
                let ancestors = top.ancestors.clone();
                self.enter(std::mem::take(&mut child.0), path, ancestors)?;
                continue;
            };
            // `child` (a link node carrying the share's key) is wiped when dropped.
            if top.ancestors.contains(&share_id) {
                continue;
            }
            let mut ancestors = top.ancestors.clone();
            ancestors.push(share_id.clone());
            if let Some(content) = self.cache.get(&share_id) {
                let folder = content.json().clone();
                self.enter(folder, path, ancestors)?;
                continue;
            }
            let key = Self::share_key(&child.0, &top.folder.0, &share_id)?;
            self.pending = Some(Pending {
                share_id: share_id.clone(),
                key,
                path,
                ancestors,
            });
            return Ok(Step::NeedShare(ShareRequest { share_id }));
        }
    }

    /// Hands over the share asked for by the last [`Step::NeedShare`]; it is decrypted with
    /// the key from its parent and entered.
    ///
    /// # Errors
    /// [`Error::DecryptFailed`] (wrong key, tampered share), hex/length and JSON errors;
    /// [`Error::UnknownShare`] when no share was asked for.
    pub fn provide_share(&mut self, share: &EncryptedShare) -> Result<(), Error> {
        let p = self.pending.take().ok_or_else(|| Error::UnknownShare {
            share_id: share.id.clone(),
        })?;
        let content = share.open(&p.key)?;
        self.shares_read.push(p.share_id.clone());
        let folder = content.json().clone();
        self.cache.insert(p.share_id, content);
        self.enter(folder, p.path, p.ancestors)
    }

    /// The items found, in walk order, and the shares read, in order.
    #[must_use]
    pub fn finish(self) -> Tree {
        Tree {
            entries: self.entries,
            shares_read: self.shares_read,
        }
    }
}

/// The result of a walk.
#[derive(Clone, Debug)]
pub struct Tree {
    /// Every non-deleted item, in walk order.
    pub entries: Vec<Entry>,
    /// The share ids read, in order, each once.
    pub shares_read: Vec<String>,
}

impl Tree {
    /// The first item with this secret id.
    #[must_use]
    pub fn find_secret(&self, secret_id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.secret_id.as_deref() == Some(secret_id))
    }

    /// The first item at this path (folder names then the item name).
    #[must_use]
    pub fn find_path(&self, path: &[&str]) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.path.iter().map(String::as_str).eq(path.iter().copied()))
    }
}
