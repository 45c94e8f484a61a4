//! Splitting a description into positional and keyword segments, exactly as Twisted does.

use crate::error::{Error, Result};

/// One piece of text from a description, with the byte offset where its segment starts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Value {
    /// The unescaped text.
    pub text: String,
    /// Byte offset of the segment in the original description (for error carets).
    pub position: usize,
}

/// One `:`-separated segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A segment with no unescaped `=`.
    Positional(Value),
    /// `name=value`, split at the first unescaped `=`.
    Keyword {
        /// The text before the `=`.
        name: Value,
        /// The text after it (later `=` included).
        value: Value,
    },
}

/// A description split into Twisted's `(args, kwargs)`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Split {
    /// The description as given.
    pub input: String,
    /// The positional segments in order; the first one is the kind.
    pub positionals: Vec<Value>,
    /// The keyword segments in order (duplicates kept; the last one wins when read).
    pub keywords: Vec<(Value, Value)>,
}

/// Splits `input` into segments, as Twisted's `_tokenize` and `_parse` do.
///
/// # Errors
/// [`Error::Parse`] for a lone trailing backslash (Twisted crashes there) and for a keyword
/// name that is not ASCII (Twisted raises `UnicodeEncodeError`).
///
/// # Examples
/// ```
/// use endpoint_core::description::split;
/// let s = split(r"unix:address=foo=bar:mode=660").unwrap();
/// assert_eq!(s.positionals[0].text, "unix");
/// assert_eq!(s.keywords[0].1.text, "foo=bar");
/// ```
pub fn split(input: &str) -> Result<Split> {
    let mut split = Split {
        input: input.to_owned(),
        positionals: Vec::new(),
        keywords: Vec::new(),
    };
    let mut text = String::new();
    let mut name: Option<(String, usize)> = None;
    let mut start = 0;
    let mut value_start = 0;
    let mut chars = input.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => text.push(escaped),
                None => {
                    return Err(Error::Parse {
                        input: input.to_owned(),
                        position: at,
                        message: "a backslash at the end escapes nothing".into(),
                        suggestion: Some(format!("{input}\\")),
                    })
                }
            },
            ':' => {
                if split.positionals.len() + split.keywords.len() + 1 == MAX_SEGMENTS {
                    return Err(Error::Parse {
                        input: input.to_owned(),
                        position: at + 1,
                        message: format!(
                            "too many segments: a description has at most {MAX_SEGMENTS} \
                             :-separated parts"
                        ),
                        suggestion: None,
                    });
                }
                push(
                    &mut split,
                    finish(&mut text, name.take(), start, value_start),
                )?;
                start = at + 1;
            }
            '=' if name.is_none() => {
                name = Some((std::mem::take(&mut text), start));
                value_start = at + 1;
            }
            _ => text.push(c),
        }
    }
    push(&mut split, finish(&mut text, name, start, value_start))?;
    Ok(split)
}

/// The most `:`-separated segments one description may have. No kind takes more than a
/// handful; the limit keeps the memory a description costs a small multiple of its length.
pub const MAX_SEGMENTS: usize = 4096;

/// Files one segment as a positional or a keyword.
fn push(split: &mut Split, segment: Segment) -> Result<()> {
    match segment {
        Segment::Positional(v) => split.positionals.push(v),
        Segment::Keyword { name, value } => {
            if !name.text.is_ascii() {
                return Err(Error::Parse {
                    input: split.input.clone(),
                    position: name.position,
                    message: format!("option name \"{}\" is not ASCII", name.text),
                    suggestion: None,
                });
            }
            split.keywords.push((name, value));
        }
    }
    Ok(())
}

fn finish(
    text: &mut String,
    name: Option<(String, usize)>,
    start: usize,
    value_start: usize,
) -> Segment {
    let text = std::mem::take(text);
    match name {
        Some((name, name_start)) => Segment::Keyword {
            name: Value {
                text: name,
                position: name_start,
            },
            value: Value {
                text,
                position: value_start,
            },
        },
        None => Segment::Positional(Value {
            text,
            position: start,
        }),
    }
}

/// Escapes `s` so that it reads back as one literal value in any position.
///
/// Unlike Twisted's `quoteStringArgument`, which escapes only `\` and `:`, this also escapes
/// `=`, so the result is safe as a positional argument and as an inner description too.
///
/// # Examples
/// ```
/// use endpoint_core::description::{quote, split};
/// assert_eq!(quote(r"some : stuff \"), r"some \: stuff \\");
/// let s = split(&format!("unix:{}", quote("/tmp/a=b:c"))).unwrap();
/// assert_eq!(s.positionals[1].text, "/tmp/a=b:c");
/// ```
#[doc(alias = "quoteStringArgument")]
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ':' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> (Vec<String>, Vec<(String, String)>) {
        let s = split(s).unwrap();
        (
            s.positionals.into_iter().map(|v| v.text).collect(),
            s.keywords
                .into_iter()
                .map(|(k, v)| (k.text, v.text))
                .collect(),
        )
    }

    #[test]
    fn empty_segments_are_real() {
        assert_eq!(args("").0, vec![""]);
        assert_eq!(args(":").0, vec!["", ""]);
        assert_eq!(args("tcp:80:").0, vec!["tcp", "80", ""]);
    }

    #[test]
    fn first_equals_splits() {
        assert_eq!(args("a=b=c").1, vec![("a".into(), "b=c".into())]);
        assert_eq!(args("=v").1, vec![("".into(), "v".into())]);
    }

    #[test]
    fn escapes() {
        assert_eq!(args(r"tcp:8\0").0, vec!["tcp", "80"]);
        assert_eq!(
            args(r"unix:foo\:bar\=baz\:qux\\").0,
            vec!["unix", r"foo:bar=baz:qux\"]
        );
        assert!(split(r"tcp:80\").is_err());
    }

    #[test]
    fn non_ascii_names_rejected_values_kept() {
        assert!(split("tcp:80:int\u{e9}rface=x").is_err());
        assert_eq!(args("unix:/tmp/\u{fc}").0[1], "/tmp/\u{fc}");
    }

    #[test]
    fn positions_point_at_segments() {
        let s = split("tcp:80:backlog=x").unwrap();
        assert_eq!(s.keywords[0].0.position, 7);
        assert_eq!(s.keywords[0].1.position, 15);
    }

    #[test]
    fn quote_round_trips() {
        for raw in ["", "a", r"\", ":", "=", r"a\:b=c\\", "\u{e9}:x"] {
            let s = split(&quote(raw)).unwrap();
            assert_eq!(s.positionals[0].text, raw);
        }
    }

    #[test]
    fn segments_are_bounded() {
        let most = format!("k{}", ":a".repeat(MAX_SEGMENTS - 1));
        let split = split(&most).expect("the limit itself is allowed");
        assert_eq!(split.positionals.len(), MAX_SEGMENTS);
        let one_more = format!("{most}:a");
        match super::split(&one_more) {
            Err(Error::Parse {
                position, message, ..
            }) => {
                assert_eq!(position, most.len() + 1);
                assert!(message.contains("at most 4096"), "{message}");
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }
}
