//! The one check of a client host: a DNS name or an IP literal, nothing else.
//!
//! Every kind that connects to a host named in its description (`tcp`, `ssl`, `tls`,
//! `quic`, the WebSocket `host=` header, the proxy layers' targets, which come from the inner
//! `tcp:` host) reads it through [`parse_host`]. A host goes on the wire as text (an HTTP
//! `CONNECT` request line and `Host` header, a SOCKS5 name, SNI): a carriage return, a line
//! feed, a space, `/` or `@` in it would let a description smuggle headers or a second
//! request into what a proxy or server reads, so such a host is a description error.

use std::fmt;
use std::net::Ipv6Addr;

/// Why a host was refused: the byte of the host text where the problem is, and a reason
/// that names it.
///
/// # Examples
/// ```
/// use endpoint_core::description::parse_host;
/// let e = parse_host("example.com\r\nX-Injected: yes").unwrap_err();
/// assert_eq!(e.position(), 11);
/// assert!(e.reason().contains("at byte 11"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    position: usize,
    reason: String,
}

impl HostError {
    fn new(position: usize, reason: String) -> Self {
        HostError { position, reason }
    }

    /// The byte offset in the host text of the first character that is refused (a
    /// character boundary; the text's length when something is missing at its end).
    pub fn position(&self) -> usize {
        self.position
    }

    /// What is wrong, naming the byte position (`is "h\nx", which has a line feed (U+000A)
    /// at byte 1, ...`).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for HostError {}

/// What a host may be, said in every refusal.
const EXPECTED: &str = "a host is a DNS name (letters, digits, '-', '_', '.') or an IP \
                        address (IPv6 bare or in brackets)";

/// Checks a client host and returns it normalised: an IPv6 literal without its brackets,
/// anything else as written.
///
/// Accepted: an IPv4 or IPv6 literal (`127.0.0.1`, `::1`, `[::1]`), or a DNS name made of
/// ASCII letters, digits, `-`, `_` and `.`, whose non-ASCII labels (`bücher.example`) IDNA
/// accepts. A bracketed host is an IPv6 literal and nothing else (`[a:b]`, `[[::1]]` and
/// `[example.com]` are refused), so the canonical text of a description that names it is a
/// fixed point. Control characters, spaces, `/`, `@`, `:` outside an IPv6 literal, `%` and
/// every other ASCII punctuation are refused.
///
/// # Errors
/// A [`HostError`] naming the byte of `text` where the host goes wrong (the text's length
/// for an empty host or an unclosed bracket).
///
/// # Examples
/// ```
/// use endpoint_core::description::parse_host;
/// assert_eq!(parse_host("example.com").unwrap(), "example.com");
/// assert_eq!(parse_host("[::1]").unwrap(), "::1");
/// assert_eq!(parse_host("::1").unwrap(), "::1");
/// assert_eq!(parse_host("bücher.example").unwrap(), "bücher.example");
/// assert!(parse_host("a b").is_err());
/// assert!(parse_host("[a:b]").is_err());
/// assert_eq!(parse_host("h\r\nX: y").unwrap_err().position(), 1);
/// ```
pub fn parse_host(text: &str) -> Result<String, HostError> {
    if text.is_empty() {
        return Err(HostError::new(0, format!("is empty; {EXPECTED}")));
    }
    if let Some(rest) = text.strip_prefix('[') {
        return bracketed(text, rest);
    }
    if text.parse::<Ipv6Addr>().is_ok() {
        return Ok(text.to_owned());
    }
    let refused_char = |c: char| {
        if c.is_ascii() {
            !allowed_ascii(c) && c != ':'
        } else {
            !visible(c)
        }
    };
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| refused_char(c)) {
        return Err(refused(text, at, c));
    }
    if let Some(at) = text.find(':') {
        // Not an IPv6 address (checked above), so a colon has no place in it.
        return Err(refused(text, at, ':'));
    }
    if !text.is_ascii() {
        check_idna(text)?;
    }
    Ok(text.to_owned())
}

/// `[` ... `]`: an IPv6 literal, nothing else.
fn bracketed(text: &str, rest: &str) -> Result<String, HostError> {
    let Some(end) = rest.find(']') else {
        let reason = format!(
            "is {}, which opens an IPv6 literal with '[' at byte 0 that no ']' closes \
             (at byte {}); {EXPECTED}",
            shown(text),
            text.len()
        );
        return Err(HostError::new(text.len(), reason));
    };
    let inside = &rest[..end];
    if inside.parse::<Ipv6Addr>().is_err() {
        // Blame the first character that cannot be in an IPv6 literal, else the bracket's
        // contents as a whole.
        let bad = inside
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_hexdigit() || c == ':' || c == '.'))
            .map(|(i, c)| (i + 1, c));
        let reason = match bad {
            Some((at, c)) => format!(
                "is {}, which has {} at byte {at}, inside brackets, which hold an IPv6 \
                 address only; {EXPECTED}",
                shown(text),
                describe(c)
            ),
            None => format!(
                "is {}, which has {} inside brackets (at byte 1), not an IPv6 \
                 address; brackets hold an IPv6 address only; {EXPECTED}",
                shown(text),
                shown(inside)
            ),
        };
        return Err(HostError::new(bad.map_or(1, |(at, _)| at), reason));
    }
    // `]` is at byte end + 1 of text; nothing may follow it.
    let after = end + 2;
    if let Some(c) = text[after..].chars().next() {
        let reason = format!(
            "is {}, which has {} at byte {after}, after the ']' that closes the IPv6 \
             literal; {EXPECTED}",
            shown(text),
            describe(c)
        );
        return Err(HostError::new(after, reason));
    }
    Ok(inside.to_owned())
}

/// The ASCII characters of a DNS name.
fn allowed_ascii(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// A non-ASCII character that can be part of an IDN label: not a control, not white space.
fn visible(c: char) -> bool {
    !c.is_control() && !c.is_whitespace() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}')
}

/// Every label with non-ASCII characters must be one IDNA accepts.
fn check_idna(text: &str) -> Result<(), HostError> {
    let mut start = 0;
    for label in text.split('.') {
        if !label.is_ascii() && idna::domain_to_ascii(label).is_err() {
            let (i, c) = label
                .char_indices()
                .find(|(_, c)| !c.is_ascii())
                .unwrap_or((0, ' '));
            let at = start + i;
            let reason = format!(
                "is {}, whose label {} (from byte {start}) is not a valid \
                 internationalized name (IDNA refuses it; its first non-ASCII character is {} \
                 at byte {at}); {EXPECTED}",
                shown(text),
                shown(label),
                describe(c)
            );
            return Err(HostError::new(at, reason));
        }
        start += label.len() + 1;
    }
    Ok(())
}

fn refused(text: &str, at: usize, c: char) -> HostError {
    let what = match c {
        ':' => " (it is not a valid IPv6 address, and a port is an argument of its own)",
        _ => "",
    };
    HostError::new(
        at,
        format!(
            "is {}, which has {} at byte {at}, a character a host cannot hold{what}; \
             {EXPECTED}",
            shown(text),
            describe(c)
        ),
    )
}

/// `text` in double quotes, with control characters escaped (`"h\r\nX"`), so a reason
/// never carries a raw line break or NUL to a terminal or a log.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A character as a reason names it: `a line feed (U+000A)`, `'@' (U+0040)`.
fn describe(c: char) -> String {
    let name = match c {
        '\r' => Some("a carriage return"),
        '\n' => Some("a line feed"),
        '\0' => Some("a NUL byte"),
        '\t' => Some("a tab"),
        ' ' => Some("a space"),
        c if c.is_control() => Some("a control character"),
        c if c.is_whitespace() => Some("a white-space character"),
        _ => None,
    };
    let code = u32::from(c);
    match name {
        Some(name) => format!("{name} (U+{code:04X})"),
        None => format!("'{c}' (U+{code:04X})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_literals_are_accepted() {
        for (text, host) in [
            ("example.com", "example.com"),
            ("example.com.", "example.com."),
            ("_srv.example", "_srv.example"),
            ("a-b.c", "a-b.c"),
            ("127.0.0.1", "127.0.0.1"),
            ("::1", "::1"),
            ("[::1]", "::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[::ffff:1.2.3.4]", "::ffff:1.2.3.4"),
            ("bücher.example", "bücher.example"),
            ("例え.テスト", "例え.テスト"),
        ] {
            assert_eq!(parse_host(text).as_deref(), Ok(host), "{text:?}");
        }
    }

    #[test]
    fn refusals_name_the_byte() {
        for (text, at) in [
            ("", 0),
            ("h\r\nX-Injected: yes", 1),
            ("h\nx", 1),
            ("h\0", 1),
            ("a b", 1),
            ("a/b", 1),
            ("user@host", 4),
            ("a:b", 1),
            ("a%b", 1),
            ("fe80::1%eth0", 7),
            ("example.com:80", 11),
            ("[::1", 4),
            ("[a:b]", 1),
            ("[[::1]]", 1),
            ("[[:a:b]", 1),
            ("[::1]x", 5),
            ("[::1]]", 5),
            ("[example.com]", 2),
            ("[]", 1),
            ("a\u{85}b", 1),
            ("a\u{a0}b", 1),
            ("é\u{200b}", 2),
        ] {
            let error = parse_host(text).expect_err(text);
            assert_eq!(error.position(), at, "{text:?}: {error}");
            assert!(
                error.reason().contains(&format!("byte {at}")) || text.is_empty(),
                "{text:?}: {error}"
            );
            assert!(text.is_char_boundary(error.position()), "{text:?}");
        }
    }

    #[test]
    fn the_normalised_host_is_a_fixed_point() {
        for text in ["[::1]", "example.com", "bücher.example", "10.0.0.1"] {
            let once = parse_host(text).unwrap();
            assert_eq!(parse_host(&once).unwrap(), once);
        }
    }
}
