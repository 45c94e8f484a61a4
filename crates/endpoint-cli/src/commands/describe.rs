//! `endpoint describe [--server|--client] DESC [--json]`: a description's canonical form and
//! every option with defaults filled in.
//!
//! Without `--server` or `--client` the description is read as both: when only one side takes
//! it, that side is shown (and a note on stderr says which); when both do, the text shows both
//! and `--json` asks for a side, since one JSON object describes one side. There is no silent
//! guess: `tls:example.com:443` is a client description, and `unix:/run/a.sock` is both.

use clap::Args;
use endpoints::core::{Described, OptionType, OptionValue};
use endpoints::{Error, Registry, Side};

use crate::failure::Failure;
use crate::output::print;

/// Arguments of `endpoint describe`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct DescribeArgs {
    /// Read DESC as a server description only.
    #[arg(long, conflicts_with = "client")]
    pub server: bool,
    /// Read DESC as a client description only.
    #[arg(long)]
    pub client: bool,
    /// Print one JSON object instead of text (needs a side when DESC is valid as both).
    #[arg(long)]
    pub json: bool,
    /// Show secret option values (header values) instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// The description, e.g. `tcp:8080` or `unix:/tmp/app.sock:mode=660`. Without a side
    /// flag it is read as both a server and a client description.
    #[arg(value_name = "DESC")]
    pub description: String,
}

impl DescribeArgs {
    /// The side the flags ask for, if any.
    fn side(&self) -> Option<Side> {
        match (self.server, self.client) {
            (true, _) => Some(Side::Server),
            (_, true) => Some(Side::Client),
            _ => None,
        }
    }

    /// Describes DESC as `side`, with secrets shown when asked.
    fn describe(&self, registry: &Registry, side: Side) -> Result<Described, Error> {
        if self.show_secrets {
            registry.describe_with_secrets(side, &self.description)
        } else {
            registry.describe(side, &self.description)
        }
    }
}

/// What DESC is, read as each side the flags allow.
enum Reading {
    /// Valid as this one side (asked for, or the only one that takes it).
    One(Described),
    /// Valid as both sides, and no side was asked for.
    Both {
        server: Described,
        client: Described,
    },
}

/// Prints the description: as JSON, or as its canonical form followed by `  name = value`
/// lines (layer options as `layer.name`).
///
/// # Errors
/// A bad description; with `--json` and no side, a description valid as both sides.
pub fn run(args: &DescribeArgs) -> Result<(), Failure> {
    let registry = Registry::global();
    let reading = match args.side() {
        Some(side) => Reading::One(args.describe(registry, side)?),
        None => infer(
            args.describe(registry, Side::Server),
            args.describe(registry, Side::Client),
            &args.description,
        )?,
    };
    match reading {
        Reading::One(described) => {
            if args.side().is_none() {
                note(&format!(
                    "read as a {side} description (it is not a valid {other} one)",
                    side = described.side,
                    other = described.side.other()
                ));
            }
            if args.json {
                print(&format!("{}\n", json(&described)))
            } else {
                print(&text(registry, &described))
            }
        }
        Reading::Both { .. } if args.json => Err(Failure::Usage(format!(
            "\"{}\" is both a server and a client description; say --server or --client",
            args.description
        ))),
        Reading::Both { server, client } => {
            note("valid as both a server and a client description; --server or --client shows one");
            print(&format!(
                "server:\n{}\nclient:\n{}",
                text(registry, &server),
                text(registry, &client)
            ))
        }
    }
}

/// Decides what an unsided DESC is from its reading as each side.
///
/// When neither side takes it, the error shown is the one that looks most like the
/// intended side's: an unknown kind is the weakest sign (`tcp6` exists only as a server), a
/// required value missing at the end the next (`tcp:80:bakclog=3` lacks a client's port but
/// misspells a server option); between equals, the error further into the text, else the
/// server's. A note then says the other side fails too.
fn infer(
    server: Result<Described, Error>,
    client: Result<Described, Error>,
    description: &str,
) -> Result<Reading, Failure> {
    match (server, client) {
        (Ok(server), Ok(client)) => Ok(Reading::Both { server, client }),
        (Ok(one), Err(_)) | (Err(_), Ok(one)) => Ok(Reading::One(one)),
        (Err(server), Err(client)) => {
            let (shown, other) = if fit(&server, description) >= fit(&client, description) {
                (server, Side::Client)
            } else {
                (client, Side::Server)
            };
            Err(Failure::Noted {
                error: shown,
                note: format!(
                    "\"{}\" is not a valid {other} description either (--{other} shows why)",
                    Registry::global().masked(description)
                ),
            })
        }
    }
}

/// How well a failed reading fits the text, for [`infer`]: higher is closer.
fn fit(error: &Error, description: &str) -> (u8, usize) {
    let position = error.position().unwrap_or(0);
    // Positions count in the error's own (masked) copy of the text.
    let end = error.input().map_or(description.len(), str::len);
    let rank = match error {
        Error::UnknownKind { .. } => 0,
        // Positioned past the last byte: something the side requires is not there.
        _ if position >= end => 1,
        _ => 2,
    };
    (rank, position)
}

/// A note for people on stderr, not with `-q`.
fn note(text: &str) {
    if !crate::logging::quiet() {
        eprintln!("endpoint: note: {text}");
    }
}

/// The JSON object of one side.
fn json(described: &Described) -> String {
    // Cannot fail: every key is a string and no `Serialize` impl of `Described` returns an
    // error.
    serde_json::to_string(described).expect("a description serializes")
}

/// The text form: the canonical description, then one line per option.
fn text(registry: &Registry, described: &Described) -> String {
    let mut out = format!("{}\n", described.canonical);
    for layer in &described.layers {
        let kind = registry.find(&layer.kind, described.side, true);
        for (name, value) in &layer.options {
            let ty = kind.and_then(|k| k.option(name)).map(|spec| spec.ty);
            out.push_str(&format!("  {}.{name} = {}\n", layer.kind, show(value, ty)));
        }
    }
    let kind = registry.find(&described.kind, described.side, false);
    for (name, value) in &described.options {
        let ty = kind.and_then(|k| k.option(name)).map(|spec| spec.ty);
        out.push_str(&format!("  {name} = {}\n", show(value, ty)));
    }
    out
}

/// One option value as text: modes in octal, text quoted, `none` for an absent value.
fn show(value: &OptionValue, ty: Option<OptionType>) -> String {
    match value {
        OptionValue::Integer(mode) if ty == Some(OptionType::Mode) => format!("0{mode:o}"),
        OptionValue::Integer(n) => n.to_string(),
        OptionValue::Number(x) => x.to_string(),
        OptionValue::Bool(b) => b.to_string(),
        OptionValue::Text(text) => format!("{text:?}"),
        // As the description writes it, so the text form stays one line per option.
        OptionValue::List(items) => format!("{:?}", items.join(",")),
        OptionValue::Integers(numbers) => {
            let numbers: Vec<String> = numbers.iter().map(u64::to_string).collect();
            numbers.join(",")
        }
        OptionValue::Description(inner) => inner.canonical.clone(),
        OptionValue::Null => "none".to_owned(),
        // `OptionValue` may grow; fall back to its debug form.
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lists_every_option_after_the_canonical_form() -> Result<(), endpoints::Error> {
        let registry = Registry::global();
        let described = registry.describe(Side::Server, "tcp:8080")?;
        let text = text(registry, &described);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(described.canonical.as_str()));
        assert!(text.contains("\n  port = 8080\n"), "{text}");
        assert!(text.contains("\n  interface = \"\"\n"), "{text}");
        assert!(text.contains("\n  backlog = 50\n"), "{text}");
        Ok(())
    }

    #[test]
    fn modes_show_in_octal() {
        let shown = show(&OptionValue::Integer(0o660), Some(OptionType::Mode));
        assert_eq!(shown, "0660");
    }
}
