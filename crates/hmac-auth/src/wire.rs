//! The wire: the default header name and how a header's bytes are read.

use std::borrow::Cow;

use http::header::{HeaderMap, HeaderName};

/// Upstream's default header name.
pub const DEFAULT_HEADER: &str = "signature";

/// The header's bytes as Werkzeug's dev server presents them: absent, the one value, or several
/// values joined with `,` (which never validates, as upstream).
pub(crate) fn header_bytes<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<Cow<'h, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    match values.next() {
        None => Some(Cow::Borrowed(first.as_bytes())),
        Some(second) => {
            let mut joined = first.as_bytes().to_vec();
            for v in core::iter::once(second).chain(values) {
                joined.push(b',');
                joined.extend_from_slice(v.as_bytes());
            }
            Some(Cow::Owned(joined))
        }
    }
}
