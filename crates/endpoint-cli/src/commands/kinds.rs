//! `endpoint kinds [--json]`: every registered kind, layer and URL form, with its options.

use clap::Args;
use endpoints::core::{Kind, OptionSpec, Shorthand, UrlForm};
use endpoints::{Registry, Side};
use serde::Serialize;

use crate::failure::Failure;

/// Arguments of `endpoint kinds`.
#[derive(Debug, Args)]
pub struct KindsArgs {
    /// Print one JSON object (`{"kinds": [...], "shorthands": [...], "urlForms": [...]}`) instead
    /// of text.
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
        let listing = Listing::new(
            registry.kinds(),
            registry.shorthands(),
            registry.url_forms(),
        );
        // Cannot fail: every key is a string and no `Serialize` impl here returns an error.
        let json = serde_json::to_string(&listing).expect("the kinds listing serializes");
        println!("{json}");
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
    out.push_str(
        "Every server description also takes maxConnections=N: the listener holds at most N \
         live connections and resumes accepting as they end.\n\n",
    );
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

// The JSON is built from small view structs rather than `Serialize` on `Kind` and `UrlForm`
// themselves: both hold function pointers (the parser, the URL rewrite), and `side`, `layer`
// and `usage` are computed from the kind. The views say in one place what `kinds --json`
// promises, and the library's types stay free to change.

/// What `kinds --json` prints: `{"kinds": [...], "shorthands": [...], "urlForms": [...]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    /// Every kind and layer, in registry order.
    kinds: Vec<KindView>,
    /// Every shorthand and the chain it stands for.
    shorthands: Vec<ShorthandView>,
    /// Every URL form.
    url_forms: Vec<UrlFormView>,
}

/// One kind: `{"name", "side", "layer", "summary", "usage", "positional", "options"}`.
#[derive(Debug, Serialize)]
struct KindView {
    name: &'static str,
    side: Side,
    layer: bool,
    summary: &'static str,
    usage: String,
    positional: &'static [&'static str],
    options: Vec<OptionView>,
}

/// One option: `{"name", "type", "default", "help", "extension"}`; `default` is description
/// text (`"50"`, `""`) or `null`, whatever the type.
#[derive(Debug, Serialize)]
struct OptionView {
    name: &'static str,
    #[serde(rename = "type")]
    ty: String,
    default: Option<&'static str>,
    help: &'static str,
    extension: bool,
}

/// One shorthand: `{"name", "side", "expansion", "summary"}`.
#[derive(Debug, Serialize)]
struct ShorthandView {
    name: &'static str,
    side: Side,
    expansion: &'static str,
    summary: &'static str,
}

/// One URL form: `{"scheme", "summary"}`.
#[derive(Debug, Serialize)]
struct UrlFormView {
    scheme: &'static str,
    summary: &'static str,
}

impl Listing {
    fn new(kinds: &[Kind], shorthands: &[Shorthand], urls: &[UrlForm]) -> Self {
        Listing {
            kinds: kinds.iter().map(KindView::new).collect(),
            shorthands: shorthands
                .iter()
                .map(|s| ShorthandView {
                    name: s.name,
                    side: s.side,
                    expansion: s.expansion,
                    summary: s.summary,
                })
                .collect(),
            url_forms: urls
                .iter()
                .map(|url| UrlFormView {
                    scheme: url.scheme,
                    summary: url.summary,
                })
                .collect(),
        }
    }
}

impl KindView {
    fn new(kind: &Kind) -> Self {
        KindView {
            name: kind.name,
            side: kind.side(),
            layer: kind.is_layer(),
            summary: kind.summary,
            usage: kind.usage(),
            positional: kind.positional,
            options: kind.options.iter().map(OptionView::new).collect(),
        }
    }
}

impl OptionView {
    fn new(option: &OptionSpec) -> Self {
        OptionView {
            name: option.name,
            ty: option.ty.to_string(),
            default: option.default,
            help: option.help,
            extension: option.extension,
        }
    }
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
