//! `endpoint describe [--server|--client] DESC [--json]`: a description's canonical form and
//! every option with defaults filled in.

use clap::Args;
use endpoints::core::{Described, OptionType, OptionValue};
use endpoints::{Registry, Side};

use crate::failure::Failure;

/// Arguments of `endpoint describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// Read DESC as a server description (the default).
    #[arg(long, conflicts_with = "client")]
    pub server: bool,
    /// Read DESC as a client description.
    #[arg(long)]
    pub client: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show secret option values (header values) instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
    /// The description, e.g. `tcp:8080` or `unix:/tmp/app.sock:mode=660`.
    #[arg(value_name = "DESC")]
    pub description: String,
}

impl DescribeArgs {
    /// The side DESC is read as.
    fn side(&self) -> Side {
        if self.client {
            Side::Client
        } else {
            Side::Server
        }
    }
}

/// Prints the description: as JSON, or as its canonical form followed by `  name = value`
/// lines (layer options as `layer.name`).
///
/// # Errors
/// A bad description.
pub fn run(args: &DescribeArgs) -> Result<(), Failure> {
    let registry = Registry::global();
    let describe = || registry.describe(args.side(), &args.description);
    let described = if args.show_secrets {
        endpoints::core::description::with_secrets(describe)?
    } else {
        describe()?
    };
    if args.json {
        // Cannot fail: every key is a string and no `Serialize` impl of `Described` returns
        // an error.
        let json = serde_json::to_string(&described).expect("a description serializes");
        println!("{json}");
    } else {
        print!("{}", text(registry, &described));
    }
    Ok(())
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
