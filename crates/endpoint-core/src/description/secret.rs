//! Keeping secret option values out of parse errors, which quote the description.
//!
//! A description that does not parse cannot be trusted to be well formed, so masking reads it
//! with the real splitter's rules (escapes, `key=value` at the first unescaped `=`), judges
//! keys as the registry would (unescaped, qualifier stripped, case-insensitive, and close
//! misspellings too: a mistyped `pasword=` still holds a password), recurses into every value
//! (nested descriptions are escaped once more per level), and masks URL userinfo and query
//! values named like secrets. Each hidden value becomes [`MASK`], whatever its length.

use super::tree::MASK;
use crate::error::Error;
use crate::suggest::closest;

/// How deep nested values are searched (a description nests at most this many levels before
/// the registry refuses it anyway).
const MAX_DEPTH: usize = 16;

/// Words that make a URL query parameter secret (`?token=`, `api_key=`, `password=`).
const SECRET_QUERY_WORDS: &[&str] = &["token", "key", "password", "passwd", "secret", "auth"];

/// A description with its secret values masked.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Masked {
    /// The text, each secret value replaced by [`MASK`].
    pub(crate) text: String,
    /// The values that were hidden, to scrub from messages.
    pub(crate) hidden: Vec<String>,
    /// The byte ranges of `input` that were replaced, in order, not overlapping.
    regions: Vec<(usize, usize)>,
}

impl Masked {
    /// Where byte `position` of the input stands in the masked text (the start of a mask
    /// when it was inside a hidden value), so an error's caret still points at its byte.
    pub(crate) fn position(&self, position: usize) -> usize {
        let mut shift: isize = 0;
        for &(start, end) in &self.regions {
            if position >= end {
                shift += MASK.len() as isize - (end - start) as isize;
            } else if position > start {
                return (start as isize + shift) as usize;
            }
        }
        (position as isize + shift).max(0) as usize
    }
}

/// `input` with the value of every option whose name is (or nearly is) one of `secrets`
/// replaced by [`MASK`], at any nesting depth, and URL userinfo and secret-looking query
/// values too.
pub(crate) fn mask_secret_values(input: &str, secrets: &[&str]) -> Masked {
    let mut regions = Vec::new();
    let identity: Vec<usize> = (0..=input.len()).collect();
    find_secrets(input, &identity, secrets, 0, &mut regions);
    find_url_secrets(input, &identity, &mut regions);
    regions.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in regions {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut text = String::with_capacity(input.len());
    let mut hidden = Vec::new();
    let mut at = 0;
    for &(start, end) in &merged {
        text.push_str(&input[at..start]);
        text.push_str(MASK);
        hidden.push(input[start..end].to_owned());
        at = end;
    }
    text.push_str(&input[at..]);
    Masked {
        text,
        hidden,
        regions: merged,
    }
}

/// True when `key` (as written, escapes already removed) names a secret option: qualifier
/// stripped (`socks5.password`), any case, or a close misspelling of one.
fn is_secret_key(key: &str, secrets: &[&str]) -> bool {
    let bare = key.rsplit('.').next().unwrap_or(key).trim();
    if bare.is_empty() {
        return false;
    }
    secrets.iter().any(|s| s.eq_ignore_ascii_case(bare))
        || closest(bare, secrets.iter().copied()).is_some()
}

/// Finds secret values in `text` (one level of a description, unescaped); `raw[i]` is the
/// byte offset in the original input of `text`'s byte `i` (and `raw[text.len()]` its end).
fn find_secrets(
    text: &str,
    raw: &[usize],
    secrets: &[&str],
    depth: usize,
    regions: &mut Vec<(usize, usize)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for segment in segments(text) {
        let Some(eq) = segment.equals else {
            continue;
        };
        let key = &segment.unescaped[..eq];
        let value_start = segment.offsets[eq + 1];
        let value_end = segment.end;
        if is_secret_key(key, secrets) {
            if value_end > value_start {
                regions.push(span(raw, value_start, value_end));
            }
            continue;
        }
        // Any other value may hold a nested description or a URL: search it, one level of
        // escaping down.
        let value = &segment.unescaped[eq + 1..];
        if value.contains([':', '=', '@', '?']) {
            let map: Vec<usize> = segment.offsets[eq + 1..].iter().map(|&i| raw[i]).collect();
            find_secrets(value, &map, secrets, depth + 1, regions);
            find_url_secrets(value, &map, regions);
        }
    }
}

/// The original bytes behind `start..end` of a level's text (not empty): from its first
/// byte to just after its last, so an escape before the next separator stays outside.
fn span(raw: &[usize], start: usize, end: usize) -> (usize, usize) {
    (raw[start], raw[end - 1] + 1)
}

/// One `:`-separated segment: its text without escapes, where each of those bytes came from
/// in the level's text, and where the first unescaped `=` is.
struct Piece {
    unescaped: String,
    /// `offsets[i]`: the level-text offset of `unescaped`'s byte `i`; one more entry for the
    /// end.
    offsets: Vec<usize>,
    equals: Option<usize>,
    end: usize,
}

fn segments(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut current = Piece {
        unescaped: String::new(),
        offsets: Vec::new(),
        equals: None,
        end: 0,
    };
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((escaped_at, escaped)) = chars.next() {
                    push_char(&mut current, escaped, escaped_at);
                }
            }
            ':' => {
                current.end = at;
                current.offsets.push(at);
                out.push(std::mem::replace(
                    &mut current,
                    Piece {
                        unescaped: String::new(),
                        offsets: Vec::new(),
                        equals: None,
                        end: at + 1,
                    },
                ));
            }
            '=' if current.equals.is_none() => {
                current.equals = Some(current.unescaped.len());
                push_char(&mut current, c, at);
            }
            _ => push_char(&mut current, c, at),
        }
    }
    current.end = text.len();
    current.offsets.push(text.len());
    out.push(current);
    out
}

fn push_char(piece: &mut Piece, c: char, at: usize) {
    for i in 0..c.len_utf8() {
        piece.offsets.push(at + i);
    }
    piece.unescaped.push(c);
}

/// Masks the userinfo of every `scheme://user:password@host` in `text`, and the values of
/// query parameters named like secrets (`?token=...`, `&api_key=...`).
fn find_url_secrets(text: &str, raw: &[usize], regions: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority_start = from + found + 3;
        let rest = &text[authority_start..];
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_len].rfind('@') {
            if at > 0 {
                regions.push(span(raw, authority_start, authority_start + at));
            }
        }
        if let Some(q) = rest.find('?') {
            let query_start = authority_start + q + 1;
            let query_end = text[query_start..]
                .find(['#', ':'])
                .map_or(text.len(), |i| query_start + i);
            let mut at = query_start;
            for pair in text[query_start..query_end].split('&') {
                if let Some((name, value)) = pair.split_once('=') {
                    let name = name.to_ascii_lowercase();
                    if !value.is_empty() && SECRET_QUERY_WORDS.iter().any(|w| name.contains(w)) {
                        let value_start = at + name.len() + 1;
                        regions.push(span(raw, value_start, value_start + value.len()));
                    }
                }
                at += pair.len() + 1;
            }
        }
        from = authority_start;
    }
}

/// The same error with the values of the options named in `secrets` hidden from its input
/// (each as [`MASK`]; the position moved so the caret still points at the bad byte) and from
/// its other text: parse errors quote the description, and a description may carry a password.
pub(crate) fn without_secrets(mut error: Error, secrets: &[&str]) -> Error {
    // Values shorter than 3 bytes would mask unrelated text in the message.
    let hide = |text: &mut String, hidden: &[String]| hide_values(text, hidden, 3);
    match &mut error {
        Error::Parse {
            input,
            position,
            message,
            suggestion,
        } => {
            let masked = mask_secret_values(input, secrets);
            *position = masked.position(*position);
            hide(message, &masked.hidden);
            if let Some(s) = suggestion {
                hide(s, &masked.hidden);
            }
            *input = masked.text;
        }
        Error::UnknownKind {
            input,
            position,
            kind,
            ..
        } => {
            let masked = mask_secret_values(input, secrets);
            *position = masked.position(*position);
            hide(kind, &masked.hidden);
            *input = masked.text;
        }
        Error::Option {
            input,
            position,
            reason,
            option,
            suggestion,
            ..
        } => {
            let masked = mask_secret_values(input, secrets);
            *position = masked.position(*position);
            hide(reason, &masked.hidden);
            hide(option, &masked.hidden);
            if let Some(s) = suggestion {
                hide(s, &masked.hidden);
            }
            *input = masked.text;
        }
        _ => {}
    }
    error
}

/// Replaces every value of `values` at least `min_len` bytes long in `text` with [`MASK`].
fn hide_values(text: &mut String, values: &[String], min_len: usize) {
    for value in values.iter().filter(|v| v.len() >= min_len) {
        *text = text.replace(value.as_str(), MASK);
    }
}

/// The same error with every one of `values` (secrets read from files or the environment,
/// which the input does not show) replaced by [`MASK`] in its text.
pub(crate) fn scrub_values(mut error: Error, values: &[String]) -> Error {
    if values.is_empty() {
        return error;
    }
    let hide = |text: &mut String| hide_values(text, values, 1);
    match &mut error {
        Error::Parse {
            message,
            suggestion,
            ..
        } => {
            hide(message);
            if let Some(s) = suggestion {
                hide(s);
            }
        }
        Error::Option {
            reason, suggestion, ..
        } => {
            hide(reason);
            if let Some(s) = suggestion {
                hide(s);
            }
        }
        Error::Other { message, .. } => hide(message),
        _ => {}
    }
    error
}

#[cfg(test)]
mod mask_tests {
    use super::mask_secret_values;

    const SECRETS: &[&str] = &["headers", "header", "password", "user"];

    fn masked(input: &str) -> String {
        mask_secret_values(input, SECRETS).text
    }

    #[test]
    fn values_of_secret_options_are_hidden_at_every_depth() {
        let input = r"socks5+tcp:h:1:proxy=tcp\:p\:1\:password=pw\:user=u:password=hunter2:x=1";
        let m = mask_secret_values(input, SECRETS);
        assert!(
            !m.text.contains("hunter2") && !m.text.contains("=pw"),
            "{}",
            m.text
        );
        assert_eq!(
            m.text,
            r"socks5+tcp:h:1:proxy=tcp\:p\:1\:password=***\:user=***:password=***:x=1"
        );
        assert_eq!(m.hidden, ["pw", "u", "hunter2"]);
        assert_eq!(
            masked(r"ws:h:1:headers=X-Key\: v:path=/"),
            r"ws:h:1:headers=***:path=/"
        );
    }

    #[test]
    fn the_five_ways_secrets_slipped_through() {
        for (input, secret) in [
            // Qualified keys, as canonical text writes them.
            ("ws+tcp:h:1:ws.headers=X-Key=s3cr3t", "s3cr3t"),
            ("socks5+tcp:h:1:socks5.password=s3cr3t", "s3cr3t"),
            // Nested descriptions with an escaped `=`.
            (
                r"x:proxy=socks5+tcp\:h\:1\:password\=s3cr3t\:y\=1",
                "s3cr3t",
            ),
            (
                r"tls:endpoint=ws+tcp\:h\:1\:header\=Authorization\=s3cr3t",
                "s3cr3t",
            ),
            // Two levels down.
            (
                r"a:proxy=b+tcp\:h\:1\:proxy\=tcp\\\:p\\\:1\\\:password\\\=s3cr3t",
                "s3cr3t",
            ),
            // URL userinfo and secret query values.
            ("ws://user:s3cr3t@host/path", "s3cr3t"),
            ("wss://host/path?access_token=s3cr3t&x=1", "s3cr3t"),
            (r"x:proxy=socks5://u\:s3cr3t@h\:1080", "s3cr3t"),
            // Escaped and mistyped keys.
            (r"x:pass\word=s3cr3t", "s3cr3t"),
            ("x:PASSWORD=s3cr3t", "s3cr3t"),
            ("x:pasword=s3cr3t", "s3cr3t"),
        ] {
            let m = masked(input);
            assert!(!m.contains(secret), "{input} -> {m}");
            assert!(m.contains("***"), "{input} -> {m}");
        }
        assert_eq!(masked("ws://host/path?x=1"), "ws://host/path?x=1");
        assert_eq!(masked("tcp:h:80:timeout=5"), "tcp:h:80:timeout=5");
    }

    #[test]
    fn the_mask_has_one_length_and_positions_follow() {
        let input = "x:password=a-very-long-secret:bogus=1";
        let m = mask_secret_values(input, SECRETS);
        assert_eq!(m.text, "x:password=***:bogus=1");
        let bogus = input.find("bogus").unwrap();
        assert_eq!(&m.text[m.position(bogus)..], "bogus=1");
        let inside = input.find("long").unwrap();
        assert_eq!(&m.text[m.position(inside)..m.position(inside) + 3], "***");
        assert_eq!(m.position(0), 0);
    }

    #[test]
    fn any_input_is_safe() {
        for input in [
            "",
            ":",
            "\\",
            "=",
            "a\\",
            "x:password=",
            "ws://@",
            "p://a?=&=",
            "é:pässword=ü",
        ] {
            let m = mask_secret_values(input, SECRETS);
            for p in 0..=input.len() {
                assert!(m.position(p) <= m.text.len(), "{input:?} {p}");
            }
        }
    }
}
