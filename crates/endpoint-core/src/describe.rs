//! Structured descriptions: every option of every part, typed, defaults filled in.
//! This is what `endpoint describe --json` prints (through `serde`, behind the `serde`
//! feature).

use crate::description::{parse_integer, parse_mode, parse_seconds, Description};
use crate::error::Result;
use crate::option::OptionType;
use crate::registry::Registry;
use crate::server_options::SERVER_OPTIONS;
use crate::side::Side;

/// A typed option value.
///
/// With the `serde` feature it serializes as the bare JSON value: `null`, a boolean, a
/// number, a string, an array of strings, or a nested [`Described`] object.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(untagged))]
#[non_exhaustive]
pub enum OptionValue {
    /// An absent optional value.
    Null,
    /// A flag.
    Bool(bool),
    /// A whole number (ports, backlogs, modes, whole seconds).
    Integer(u64),
    /// A fractional number (seconds).
    Number(f64),
    /// Text.
    Text(String),
    /// The items of a list option ([`OptionType::List`]: `alpn`, `subprotocols`, `headers`,
    /// ...), in order; empty when the list is.
    List(Vec<String>),
    /// The numbers of an [`OptionType::Integers`] option (`keepalive=60,10,5`), in order.
    Integers(Vec<u64>),
    /// An inner description.
    Description(Box<Described>),
}

/// One layer of a described endpoint and its options.
///
/// With the `serde` feature it serializes as one object, `{"kind": ..., OPTION: VALUE, ...}`,
/// the options as keys in declared order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DescribedLayer {
    /// The layer's name.
    pub kind: String,
    /// Its options, in the order the layer declares them.
    pub options: Vec<(String, OptionValue)>,
}

/// An endpoint described option by option.
///
/// With the `serde` feature it serializes as the object `endpoint describe --json` prints:
/// `{"side": ..., "kind": ..., "layers": [...], OPTION: VALUE, ...}`, the base kind's options
/// as keys in declared order; `canonical` is left out.
///
/// # Examples
/// ```
/// use endpoint_core::{Registry, Side};
/// let registry = Registry::new();
/// assert!(registry.describe(Side::Server, "nothing:1").is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Described {
    /// The side.
    pub side: Side,
    /// The base kind, lower case.
    pub kind: String,
    /// The layers, outermost first.
    pub layers: Vec<DescribedLayer>,
    /// Every option of the base kind, in the order the kind declares them.
    pub options: Vec<(String, OptionValue)>,
    /// The canonical description.
    pub canonical: String,
}

impl Registry {
    /// Parses `description`, builds the endpoint (no I/O), and describes its
    /// [`Description`] value with every option typed and defaults filled in; secret values
    /// show as [`MASK`](crate::description::MASK).
    ///
    /// # Errors
    /// Whatever parsing the description gives.
    pub fn describe(&self, side: Side, description: &str) -> Result<Described> {
        self.describe_text(side, description, false)
    }

    /// [`describe`](Registry::describe) with secret values shown: for a person who asked
    /// (`endpoint describe --show-secrets`), never for logs.
    ///
    /// # Errors
    /// Whatever parsing the description gives.
    pub fn describe_with_secrets(&self, side: Side, description: &str) -> Result<Described> {
        self.describe_text(side, description, true)
    }

    fn describe_text(&self, side: Side, description: &str, whole: bool) -> Result<Described> {
        let value = match side {
            Side::Server => self.server(description)?.description(),
            Side::Client => self.client(description)?.description(),
        };
        Ok(self.described(side, &value, whole))
    }

    /// Describes a description value (an endpoint's [`description`](crate::ClientEndpoint::description)):
    /// each part's options typed by the [`OptionSpec`](crate::OptionSpec)s of the kind this
    /// registry knows by that name, in declared order, defaults filled in; options of a kind
    /// this registry does not know are listed as written, as text. Secrets show only when
    /// `whole`.
    pub fn described(&self, side: Side, description: &Description, whole: bool) -> Described {
        let base = description.base();
        let mut layers = Vec::new();
        let mut part = description;
        while let Some(inner) = part.inner() {
            layers.push(DescribedLayer {
                kind: part.kind().to_owned(),
                options: self.typed_options(side, part, true, whole),
            });
            part = inner;
        }
        let mut options = self.typed_options(side, base, false, whole);
        for (name, value) in description.common_options() {
            // Every server's options (maxConnections=, ...), after the base kind's own, typed
            // by their specs.
            let text = value.render(whole);
            let ty = (SERVER_OPTIONS.iter())
                .find(|spec| spec.name == name)
                .map_or(OptionType::Integer, |spec| spec.ty);
            options.push((name.to_owned(), typed(ty, text)));
        }
        Described {
            side,
            kind: base.kind().to_owned(),
            layers,
            options,
            canonical: description.render(whole),
        }
    }

    fn typed_options(
        &self,
        side: Side,
        part: &Description,
        layer: bool,
        whole: bool,
    ) -> Vec<(String, OptionValue)> {
        let args: Vec<_> = part.args().collect();
        let Some(kind) = self.find(part.kind(), side, layer) else {
            let positional = args
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("arg{i}"), OptionValue::Text(v.render(whole))));
            let keywords = part
                .options()
                .map(|(k, v)| (k.to_owned(), OptionValue::Text(v.render(whole))));
            return positional.chain(keywords).collect();
        };
        let mut out = Vec::new();
        for spec in kind.options {
            let given = kind
                .positional
                .iter()
                .position(|p| *p == spec.name)
                .and_then(|i| args.get(i).copied())
                .or_else(|| part.option_value(spec.name));
            if given.is_none() && spec.extension {
                continue;
            }
            let value = match given {
                Some(value) => match (spec.ty, value.as_description()) {
                    (OptionType::Description(inner_side), Some(inner)) => {
                        OptionValue::Description(Box::new(self.described(inner_side, inner, whole)))
                    }
                    _ => typed(spec.ty, value.render(whole)),
                },
                None => match spec.default {
                    Some(text) => typed(spec.ty, text.to_owned()),
                    None => OptionValue::Null,
                },
            };
            out.push((spec.name.to_owned(), value));
        }
        out
    }
}

/// An option's text as the value its type says.
fn typed(ty: OptionType, text: String) -> OptionValue {
    match ty {
        OptionType::Port | OptionType::Integer => parse_integer(&text)
            .map(OptionValue::Integer)
            .unwrap_or(OptionValue::Text(text)),
        OptionType::Mode => parse_mode(&text)
            .map(|m| OptionValue::Integer(m.into()))
            .unwrap_or(OptionValue::Text(text)),
        OptionType::Flag => OptionValue::Bool(text != "0"),
        OptionType::Seconds => match parse_seconds(&text) {
            Ok(d) if d.subsec_nanos() == 0 => OptionValue::Integer(d.as_secs()),
            Ok(d) => OptionValue::Number(d.as_secs_f64()),
            Err(_) => OptionValue::Text(text),
        },
        OptionType::List => OptionValue::List(list_items(&text)),
        OptionType::Integers => list_items(&text)
            .iter()
            .map(|item| parse_integer(item))
            .collect::<Result<Vec<_>, _>>()
            .map(OptionValue::Integers)
            .unwrap_or(OptionValue::Text(text)),
        _ => OptionValue::Text(text),
    }
}

/// Splits a list option's text into its items the way the kinds' parsers read them: at
/// commas, each item trimmed, empty items dropped (`" a, b ,,c"` gives `a`, `b`, `c`).
///
/// A list of `Name=value` items (the ws client's `headers=`) splits as its parser does: a comma
/// starts a new item only where `Name=` follows, so a value keeps its commas
/// (`X-A=1,Accept=a, b` gives `X-A=1` and `Accept=a, b`).
fn list_items(text: &str) -> Vec<String> {
    let pairs = text.split(',').next().is_some_and(starts_pair);
    let mut items: Vec<String> = Vec::new();
    for piece in text.split(',') {
        match items.last_mut() {
            Some(item) if pairs && !starts_pair(piece) => {
                item.push(',');
                item.push_str(piece);
            }
            _ => items.push(piece.to_owned()),
        }
    }
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// True when `piece` opens a `Name=value` item: an HTTP token, then `=`.
fn starts_pair(piece: &str) -> bool {
    piece.split_once('=').is_some_and(|(name, _)| {
        let name = name.trim();
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    })
}

// By hand rather than derived: the options are an ordered list of (keyword, value) pairs that
// the JSON contract (DESIGN.md §6) flattens into the object itself, and `canonical` stays out.
#[cfg(feature = "serde")]
mod serde_impls {
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::{Described, DescribedLayer, OptionValue};

    /// Writes `options` as entries of `map`, in order.
    fn entries<M: SerializeMap>(
        map: &mut M,
        options: &[(String, OptionValue)],
    ) -> Result<(), M::Error> {
        options
            .iter()
            .try_for_each(|(name, value)| map.serialize_entry(name, value))
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl Serialize for Described {
        /// `{"side": ..., "kind": ..., "layers": [...], OPTION: VALUE, ...}`.
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(3 + self.options.len()))?;
            map.serialize_entry("side", &self.side)?;
            map.serialize_entry("kind", &self.kind)?;
            map.serialize_entry("layers", &self.layers)?;
            entries(&mut map, &self.options)?;
            map.end()
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl Serialize for DescribedLayer {
        /// `{"kind": ..., OPTION: VALUE, ...}`.
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(1 + self.options.len()))?;
            map.serialize_entry("kind", &self.kind)?;
            entries(&mut map, &self.options)?;
            map.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_at_commas_trimmed_without_empty_items() {
        assert_eq!(list_items(""), Vec::<String>::new());
        assert_eq!(list_items("h2,http/1.1"), ["h2", "http/1.1"]);
        assert_eq!(list_items(" a, b ,,c,"), ["a", "b", "c"]);
        assert_eq!(list_items("10.0.0.0/8,::1/128"), ["10.0.0.0/8", "::1/128"]);
    }

    #[test]
    fn name_value_lists_split_only_where_a_name_follows() {
        assert_eq!(
            list_items("X-Token=abc,Accept=a, b,X-Empty="),
            ["X-Token=abc", "Accept=a, b", "X-Empty="]
        );
        assert_eq!(
            list_items("Authorization=Bearer a,b"),
            ["Authorization=Bearer a,b"]
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serializes_as_one_flat_object_in_declared_order() -> serde_json::Result<()> {
        let text = |s: &str| OptionValue::Text(s.to_owned());
        let inner = Described {
            side: Side::Client,
            kind: "pipe".into(),
            layers: Vec::new(),
            options: vec![("path".into(), text("/a"))],
            canonical: "pipe:/a".into(),
        };
        let described = Described {
            side: Side::Client,
            kind: "wrapped".into(),
            layers: vec![DescribedLayer {
                kind: "ws".into(),
                options: vec![
                    ("subprotocols".into(), OptionValue::List(Vec::new())),
                    (
                        "headers".into(),
                        OptionValue::List(vec!["X-A=1".into(), "Accept=a, b".into()]),
                    ),
                ],
            }],
            options: vec![
                ("zeta".into(), OptionValue::Integer(1)),
                ("alpha".into(), OptionValue::Number(0.25)),
                ("flag".into(), OptionValue::Bool(false)),
                ("none".into(), OptionValue::Null),
                ("quoted".into(), text("a\"b\\\n")),
                ("endpoint".into(), OptionValue::Description(Box::new(inner))),
            ],
            canonical: "ignored".into(),
        };
        assert_eq!(
            serde_json::to_string(&described)?,
            r#"{"side":"client","kind":"wrapped","layers":[{"kind":"ws","subprotocols":[],"headers":["X-A=1","Accept=a, b"]}],"zeta":1,"alpha":0.25,"flag":false,"none":null,"quoted":"a\"b\\\n","endpoint":{"side":"client","kind":"pipe","layers":[],"path":"/a"}}"#
        );
        Ok(())
    }
}
