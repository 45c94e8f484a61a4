//! Peer-controlled text made safe for a terminal or a log line.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1: ESC, CR, LF, ...) and every
/// bidirectional-override or invisible formatting character escaped as Rust writes it
/// (`\u{1b}`, `\r`, `\n`), so text a peer sent (a proxy's reason phrase, a WebSocket error
/// body, a requested path) cannot move the cursor, recolour a terminal, forge a log line or
/// reorder what a reader sees. Text without such characters is borrowed unchanged.
///
/// # Examples
/// ```
/// use endpoint_core::printable;
/// assert_eq!(printable("Forbidden"), "Forbidden");
/// assert_eq!(printable("\u{1b}[31mred\r\nX-Forged: 1"), "\\u{1b}[31mred\\r\\nX-Forged: 1");
/// assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_for_terminals) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_for_terminals(c) {
            out.extend(c.escape_debug());
            if c.escape_debug().len() == 1 {
                // Not escaped by escape_debug (a format character): escape it ourselves.
                out.pop();
                out.extend(c.escape_unicode());
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the format characters that reorder or hide text.
fn unsafe_for_terminals(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn every_control_and_bidi_character_is_escaped() {
        for c in (0u32..0x20).chain([0x7f]).chain(0x80..0xa0) {
            let c = char::from_u32(c).unwrap();
            let shown = printable(&format!("a{c}b")).into_owned();
            assert!(!shown.contains(c), "{c:?} -> {shown:?}");
            assert!(shown.chars().all(|x| !x.is_control()), "{shown:?}");
        }
        for c in ['\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}', '\u{2028}'] {
            assert!(!printable(&format!("a{c}b")).contains(c), "{c:?}");
        }
        assert_eq!(printable("naïve ünïcode ok"), "naïve ünïcode ok");
    }
}
