//! A little JSON writing, for `endpoint kinds --json` (the library writes `describe`'s JSON).

/// Appends `text` as a JSON string literal.
pub fn push_string(out: &mut String, text: &str) {
    endpoints::core::json_string(out, text);
}

/// Appends `text` as a JSON string, or `null` when there is none.
pub fn push_optional(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => push_string(out, text),
        None => out.push_str("null"),
    }
}

/// Appends `"key":` (after a comma unless `first`).
pub fn push_key(out: &mut String, key: &str, first: bool) {
    if !first {
        out.push(',');
    }
    push_string(out, key);
    out.push(':');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        let mut out = String::new();
        push_string(&mut out, "a\"b\\c\nd\u{1}");
        assert_eq!(out, r#""a\"b\\c\nd\u0001""#);
    }
}
