//! Text for a terminal: messages that carry a server's, a file's or a peer's text must not
//! reach a terminal raw (an escape sequence can rewrite the screen, a bidirectional override
//! can make a line read backwards, a NUL or a bell can hide or announce things).
//!
//! One helper for the whole workspace: the library crates' error `Display`s use
//! [`TerminalSafe`] for every piece of text that comes from outside, and the CLI runs every
//! message it prints through [`terminal_safe`].

use core::fmt;
use std::borrow::Cow;

/// Whether `c` is escaped: control characters (C0, DEL, C1: ESC, BEL, NUL, CSI `U+009B` ...),
/// the bidirectional marks, embeddings, overrides and isolates (`U+200E`, `U+200F`, `U+061C`,
/// `U+202A`..`U+202E`, `U+2066`..`U+2069`), the line and paragraph separators
/// (`U+2028`, `U+2029`) and the byte order mark / zero width no-break space (`U+FEFF`).
/// CR and LF are not "escaped" but turned into spaces by [`terminal_safe`].
#[must_use]
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{feff}'
        )
}

/// Text safe for a terminal on one line: CR and LF become spaces, every other character
/// [`is_unsafe_for_terminal`] is written as `\u{..}` (at least four hex digits), the rest is
/// kept as it is (non-ASCII letters included). Borrowed when there is nothing to change.
#[must_use]
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(TerminalSafe(text).to_string())
}

/// [`terminal_safe`] as a `Display` wrapper, for format strings (`thiserror` messages)
/// without an allocation: `format!("server said {}", TerminalSafe(&body))`.
#[derive(Clone, Copy, Debug)]
pub struct TerminalSafe<'a>(pub &'a str);

impl fmt::Display for TerminalSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((i, c)) = rest
            .char_indices()
            .find(|(_, c)| is_unsafe_for_terminal(*c))
        {
            f.write_str(&rest[..i])?;
            match c {
                '\n' | '\r' => f.write_str(" ")?,
                c => write!(f, "\\u{{{:04x}}}", u32::from(c))?,
            }
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\u{7}c\u{0}d\u{202e}e\r\nf"),
            "a\\u{001b}[31mb\\u{0007}c\\u{0000}d\\u{202e}e  f"
        );
        assert_eq!(
            terminal_safe(
                "\u{9b}2J\u{2066}x\u{2069}\u{200e}\u{200f}\u{061c}\u{2028}\u{feff}\u{7f}"
            ),
            "\\u{009b}2J\\u{2066}x\\u{2069}\\u{200e}\\u{200f}\\u{061c}\\u{2028}\\u{feff}\\u{007f}"
        );
        assert_eq!(TerminalSafe("tab\there").to_string(), "tab\\u{0009}here");
    }

    #[test]
    fn ordinary_text_is_kept_and_borrowed() {
        assert!(matches!(
            terminal_safe("Zoë ünïcode 😀 العربية"),
            Cow::Borrowed(_)
        ));
        assert_eq!(TerminalSafe("Zoë").to_string(), "Zoë");
        assert_eq!(TerminalSafe("").to_string(), "");
    }
}
