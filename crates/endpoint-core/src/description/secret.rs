//! Keeping secret option values out of parse errors, which quote the description.

use super::tree::MASK;
use crate::error::Error;

/// `input` with the value of every `NAME=value` option whose name is in `secrets` replaced
/// by `*`s of the same length (so byte positions in errors stay right), nested descriptions
/// (`proxy=tcp\:h\:1\:password=x`) included; and the values that were hidden.
pub(crate) fn mask_secret_values(input: &str, secrets: &[&str]) -> (String, Vec<String>) {
    let bytes = input.as_bytes();
    let mut masked = bytes.to_vec();
    let mut hidden = Vec::new();
    let backslashes_before = |at: usize| {
        bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count()
    };
    for start in 0..bytes.len() {
        if start > 0 && bytes[start - 1] != b':' {
            continue;
        }
        let depth = if start == 0 {
            0
        } else {
            backslashes_before(start - 1)
        };
        let Some(name) = secrets.iter().find(|name| {
            input[start..].starts_with(**name) && bytes.get(start + name.len()) == Some(&b'=')
        }) else {
            continue;
        };
        let value_start = start + name.len() + 1;
        let value_end = (value_start..bytes.len())
            .find(|&at| bytes[at] == b':' && backslashes_before(at) <= depth)
            .map_or(bytes.len(), |colon| colon - depth);
        if value_end > value_start {
            hidden.push(input[value_start..value_end].to_owned());
            masked[value_start..value_end].fill(b'*');
        }
    }
    // Only ASCII bytes inside values were replaced by ASCII, or whole UTF-8 sequences were
    // (a value ends at a ':'), so the text is still UTF-8.
    let masked = String::from_utf8(masked).unwrap_or_else(|_| "*".repeat(input.len()));
    (masked, hidden)
}

/// The same error with the values of the options named in `secrets` hidden from its
/// input (same length, so positions stay right) and from its other text: parse errors
/// quote the description, and a description may carry a password.
pub(crate) fn without_secrets(mut error: Error, secrets: &[&str]) -> Error {
    let hide = |text: &mut String, hidden: &[String]| {
        for value in hidden.iter().filter(|v| v.len() >= 3) {
            *text = text.replace(value.as_str(), MASK);
        }
    };
    match &mut error {
        Error::Parse {
            input,
            message,
            suggestion,
            ..
        } => {
            let (masked, hidden) = mask_secret_values(input, secrets);
            *input = masked;
            hide(message, &hidden);
            if let Some(s) = suggestion {
                hide(s, &hidden);
            }
        }
        Error::UnknownKind { input, .. } => {
            *input = mask_secret_values(input, secrets).0;
        }
        Error::Option { input, reason, .. } => {
            let (masked, hidden) = mask_secret_values(input, secrets);
            *input = masked;
            hide(reason, &hidden);
        }
        _ => {}
    }
    error
}

#[cfg(test)]
mod mask_tests {
    use super::mask_secret_values;

    #[test]
    fn values_of_secret_options_are_hidden_at_every_depth_and_positions_kept() {
        let input = r"socks5+tcp:h:1:proxy=tcp\:p\:1\:password=pw\:user=u:password=hunter2:x=1";
        let (masked, hidden) = mask_secret_values(input, &["password"]);
        assert_eq!(masked.len(), input.len());
        assert!(
            !masked.contains("hunter2") && !masked.contains("=pw"),
            "{masked}"
        );
        assert!(masked.contains(r"user=u:password=*******:x=1"), "{masked}");
        assert_eq!(hidden, ["pw", "hunter2"]);
        let (masked, _) = mask_secret_values(r"ws:h:1:headers=X-Key\: v:path=/", &["headers"]);
        assert_eq!(masked, r"ws:h:1:headers=*********:path=/");
    }
}
