//! The TL primitives every constructor is made of: a bounds-checked [`Reader`] and a
//! [`Writer`].

use super::{HandshakeError, VECTOR};

/// A cursor over TL bytes; every read past the end is [`HandshakeError::TlTruncated`].
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    #[must_use]
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes read so far.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`] when fewer remain.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], HandshakeError> {
        let end = self.pos.checked_add(n).ok_or(HandshakeError::TlTruncated)?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(HandshakeError::TlTruncated)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], HandshakeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// An `int` (or a constructor id read as unsigned).
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`].
    pub fn u32(&mut self) -> Result<u32, HandshakeError> {
        self.array().map(u32::from_le_bytes)
    }

    /// An `int`.
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`].
    pub fn i32(&mut self) -> Result<i32, HandshakeError> {
        self.array().map(i32::from_le_bytes)
    }

    /// A `long`.
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`].
    pub fn i64(&mut self) -> Result<i64, HandshakeError> {
        self.array().map(i64::from_le_bytes)
    }

    /// An `int128` as wire bytes.
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`].
    pub fn int128(&mut self) -> Result<[u8; 16], HandshakeError> {
        self.array()
    }

    /// An `int256` as wire bytes.
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`].
    pub fn int256(&mut self) -> Result<[u8; 32], HandshakeError> {
        self.array()
    }

    /// A `string`/`bytes` (the padding bytes are skipped unchecked, as every peer does).
    ///
    /// # Errors
    /// [`HandshakeError::TlTruncated`] when the length runs past the buffer.
    pub fn bytes(&mut self) -> Result<&'a [u8], HandshakeError> {
        let first = self.take(1)?[0];
        let (len, header) = if first == 0xfe {
            let l = self.take(3)?;
            (
                usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16,
                4,
            )
        } else {
            (usize::from(first), 1)
        };
        let data = self.take(len)?;
        let pad = (4 - (header + len) % 4) % 4;
        self.take(pad)?;
        Ok(data)
    }

    /// The constructor id, which must be `expected`.
    ///
    /// # Errors
    /// [`HandshakeError::TlUnknownConstructor`], [`HandshakeError::TlTruncated`].
    pub fn expect(&mut self, expected: u32) -> Result<(), HandshakeError> {
        if self.u32()? == expected {
            Ok(())
        } else {
            Err(HandshakeError::TlUnknownConstructor)
        }
    }

    /// A `Vector<long>`.
    ///
    /// # Errors
    /// [`HandshakeError::TlBadVector`], [`HandshakeError::TlTruncated`].
    pub fn vector_long(&mut self) -> Result<Vec<i64>, HandshakeError> {
        if self.u32()? != VECTOR {
            return Err(HandshakeError::TlBadVector);
        }
        let count = self.i32()?;
        let count = usize::try_from(count).map_err(|_| HandshakeError::TlTruncated)?;
        let remaining = self.buf.len() - self.pos;
        if count > remaining / 8 {
            return Err(HandshakeError::TlTruncated);
        }
        (0..count).map(|_| self.i64()).collect()
    }
}

/// Appends TL values to a buffer.
#[derive(Clone, Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// A writer that starts with constructor `id`.
    #[must_use]
    pub fn new(id: u32) -> Self {
        let mut w = Self::default();
        w.u32(id);
        w
    }
    /// The bytes written.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
    /// An `int` (unsigned view).
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// An `int`.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `long`.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Raw bytes (`int128`, `int256`).
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    /// A `string`/`bytes` with zero padding. Lengths above 2^24-1 cannot be encoded; they
    /// are cut (no handshake value comes near).
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        let v = &v[..v.len().min(0x00ff_ffff)];
        let header = if v.len() <= 253 {
            self.buf.push(v.len() as u8);
            1
        } else {
            self.buf.push(0xfe);
            let l = (v.len() as u32).to_le_bytes();
            self.buf.extend_from_slice(&l[..3]);
            4
        };
        self.buf.extend_from_slice(v);
        let pad = (4 - (header + v.len()) % 4) % 4;
        self.buf.extend(core::iter::repeat_n(0u8, pad));
        self
    }
}
