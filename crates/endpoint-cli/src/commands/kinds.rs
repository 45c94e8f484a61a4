//! `endpoint kinds [--json]`: every registered kind, layer and URL form, with its options.

use clap::Args;
use endpoints::core::{Kind, OptionSpec, Shorthand, UrlForm};
use endpoints::Registry;

use crate::failure::Failure;
use crate::json;

/// Arguments of `endpoint kinds`.
#[derive(Debug, Args)]
pub struct KindsArgs {
    /// Print one JSON object (`{"kinds": [...], "urlForms": [...]}`) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints every kind of [`Registry::global`]: name, side, layer or base, summary, usage and
/// options, then the URL forms.
///
/// # Errors
/// None today; the signature matches the other commands.
pub fn run(args: &KindsArgs) -> Result<(), Failure> {
    let registry = Registry::global();
    if args.json {
        println!("{}", to_json(registry.kinds(), registry.url_forms()));
    } else {
        print!(
            "{}",
            text(
                registry.kinds(),
                registry.shorthands(),
                registry.url_forms()
            )
        );
    }
    Ok(())
}

/// "base" or "layer".
fn role(kind: &Kind) -> &'static str {
    if kind.is_layer() {
        "layer"
    } else {
        "base"
    }
}

/// The human-readable listing.
fn text(kinds: &[Kind], shorthands: &[Shorthand], urls: &[UrlForm]) -> String {
    let mut out = String::new();
    for kind in kinds {
        out.push_str(&format!(
            "{} ({} {}): {}\n  usage: {}\n",
            kind.name,
            kind.side(),
            role(kind),
            kind.summary,
            kind.usage()
        ));
        let name_width = kind.options.iter().map(|o| o.name.len()).max().unwrap_or(0);
        let type_width = kind
            .options
            .iter()
            .map(|o| o.ty.to_string().len())
            .max()
            .unwrap_or(0);
        for option in kind.options {
            out.push_str(&format!(
                "    {:name_width$}  {:type_width$}  {}{}\n",
                option.name,
                option.ty.to_string(),
                option.help,
                option_notes(option)
            ));
        }
        out.push('\n');
    }
    if !shorthands.is_empty() {
        out.push_str("Shorthands (every option is the chain's):\n");
        let width = shorthands
            .iter()
            .map(|s| s.name.len() + s.side.to_string().len() + 3)
            .max()
            .unwrap_or(0);
        for shorthand in shorthands {
            let name = format!("{} ({})", shorthand.name, shorthand.side);
            out.push_str(&format!(
                "  {name:width$}  = {}: {}\n",
                shorthand.expansion, shorthand.summary
            ));
        }
        out.push('\n');
    }
    if !urls.is_empty() {
        out.push_str("URL forms:\n");
        let width = urls.iter().map(|u| u.scheme.len() + 3).max().unwrap_or(0);
        for url in urls {
            let scheme = format!("{}://", url.scheme);
            out.push_str(&format!("  {scheme:width$}  {}\n", url.summary));
        }
    }
    out
}

/// ` (default: 50)`, ` (extension)`, or nothing.
fn option_notes(option: &OptionSpec) -> String {
    let mut notes = Vec::new();
    if let Some(default) = option.default {
        let shown = if default.is_empty() { "\"\"" } else { default };
        notes.push(format!("default: {shown}"));
    }
    if option.extension {
        notes.push("extension".to_owned());
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    }
}

/// The JSON listing.
fn to_json(kinds: &[Kind], urls: &[UrlForm]) -> String {
    let mut out = String::from("{\"kinds\":[");
    for (i, kind) in kinds.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_kind(&mut out, kind);
    }
    out.push_str("],\"urlForms\":[");
    for (i, url) in urls.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        json::push_key(&mut out, "scheme", true);
        json::push_string(&mut out, url.scheme);
        json::push_key(&mut out, "summary", false);
        json::push_string(&mut out, url.summary);
        out.push('}');
    }
    out.push_str("]}");
    out
}

fn push_kind(out: &mut String, kind: &Kind) {
    out.push('{');
    json::push_key(out, "name", true);
    json::push_string(out, kind.name);
    json::push_key(out, "side", false);
    json::push_string(out, &kind.side().to_string());
    json::push_key(out, "layer", false);
    out.push_str(if kind.is_layer() { "true" } else { "false" });
    json::push_key(out, "summary", false);
    json::push_string(out, kind.summary);
    json::push_key(out, "usage", false);
    json::push_string(out, &kind.usage());
    json::push_key(out, "positional", false);
    out.push('[');
    for (i, name) in kind.positional.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::push_string(out, name);
    }
    out.push_str("],\"options\":[");
    for (i, option) in kind.options.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        json::push_key(out, "name", true);
        json::push_string(out, option.name);
        json::push_key(out, "type", false);
        json::push_string(out, &option.ty.to_string());
        json::push_key(out, "default", false);
        json::push_optional(out, option.default);
        json::push_key(out, "help", false);
        json::push_string(out, option.help);
        json::push_key(out, "extension", false);
        out.push_str(if option.extension { "true" } else { "false" });
        out.push('}');
    }
    out.push_str("]}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shows_usage_and_options() {
        let registry = Registry::global();
        let text = text(
            registry.kinds(),
            registry.shorthands(),
            registry.url_forms(),
        );
        assert!(text.contains("tcp (server base): "), "{text}");
        assert!(
            text.contains("= ws+tcp: WebSocket client over TCP"),
            "{text}"
        );
        assert!(text.contains("wss (server)  = ws+ssl:"), "{text}");
        assert!(text.contains("  usage: tcp:PORT\n"), "{text}");
        assert!(text.contains("backlog"), "{text}");
    }
}
