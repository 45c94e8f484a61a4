//! Structured descriptions: every option of every part, typed, defaults filled in.
//! This is what `endpoint describe --json` prints.

use std::fmt::Write as _;

use crate::description::{parse_integer, parse_mode, parse_seconds, Args};
use crate::error::Result;
use crate::kind::Kind;
use crate::option::OptionType;
use crate::registry::Registry;
use crate::side::Side;

/// A typed option value.
#[derive(Clone, Debug, PartialEq)]
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
    /// An inner description.
    Description(Box<Described>),
}

/// One layer of a described endpoint and its options.
#[derive(Clone, Debug, PartialEq)]
pub struct DescribedLayer {
    /// The layer's name.
    pub kind: String,
    /// Its options, in the order the layer declares them.
    pub options: Vec<(String, OptionValue)>,
}

/// An endpoint described option by option.
///
/// # Examples
/// ```
/// use endpoint_core::{Registry, Side};
/// let registry = Registry::new();
/// assert!(registry.describe(Side::Server, "nothing:1").is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
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
    /// Parses `description`, builds the endpoint (no I/O), and describes its canonical form
    /// with every option typed and defaults filled in.
    ///
    /// # Errors
    /// Whatever parsing the description gives.
    pub fn describe(&self, side: Side, description: &str) -> Result<Described> {
        let canonical = match side {
            Side::Server => self.server(description)?.to_string(),
            Side::Client => self.client(description)?.to_string(),
        };
        let plan = self.plan(side, &canonical)?;
        let layers = plan
            .layers
            .into_iter()
            .map(|(kind, args)| {
                Ok(DescribedLayer {
                    kind: kind.name.to_owned(),
                    options: self.options(kind, args)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Described {
            side,
            kind: plan.base.name.to_owned(),
            layers,
            options: self.options(plan.base, plan.base_args)?,
            canonical,
        })
    }

    fn options(&self, kind: &Kind, mut args: Args) -> Result<Vec<(String, OptionValue)>> {
        let mut out = Vec::new();
        for spec in kind.options {
            let positional = kind
                .positional
                .iter()
                .position(|p| *p == spec.name)
                .and_then(|i| args.positionals().get(i).cloned());
            let given = positional
                .or_else(|| args.keyword(spec.name))
                .map(|v| v.text);
            if given.is_none() && spec.extension {
                continue;
            }
            let Some(text) = given.or(spec.default.map(str::to_owned)) else {
                out.push((spec.name.to_owned(), OptionValue::Null));
                continue;
            };
            let value = match spec.ty {
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
                OptionType::Description(side) if !text.is_empty() => {
                    OptionValue::Description(Box::new(self.describe(side, &text)?))
                }
                _ => OptionValue::Text(text),
            };
            out.push((spec.name.to_owned(), value));
        }
        Ok(out)
    }
}

impl Described {
    /// One JSON object: `side`, `kind`, `layers`, then every option of the base kind.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_described(&mut out, self);
        out
    }
}

fn write_described(out: &mut String, d: &Described) {
    out.push_str("{\"side\":");
    write_string(out, &d.side.to_string());
    out.push_str(",\"kind\":");
    write_string(out, &d.kind);
    out.push_str(",\"layers\":[");
    for (i, layer) in d.layers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"kind\":");
        write_string(out, &layer.kind);
        write_options(out, &layer.options);
        out.push('}');
    }
    out.push(']');
    write_options(out, &d.options);
    out.push('}');
}

fn write_options(out: &mut String, options: &[(String, OptionValue)]) {
    for (name, value) in options {
        out.push(',');
        write_string(out, name);
        out.push(':');
        match value {
            OptionValue::Null => out.push_str("null"),
            OptionValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            OptionValue::Integer(n) => out.push_str(&n.to_string()),
            OptionValue::Number(x) => out.push_str(&x.to_string()),
            OptionValue::Text(s) => write_string(out, s),
            OptionValue::Description(inner) => write_described(out, inner),
        }
    }
}

/// Appends `s` to `out` as a JSON string literal (quoted and escaped), for tools that print
/// JSON next to [`Described::to_json`] without a JSON library.
///
/// # Examples
/// ```
/// let mut out = String::new();
/// endpoint_core::json_string(&mut out, "a \"b\"\n");
/// assert_eq!(out, r#""a \"b\"\n""#);
/// ```
pub fn json_string(out: &mut String, s: &str) {
    write_string(out, s)
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
