//! `endpoint kinds [--json] [NAME...]`: every registered kind, layer, shorthand and URL form
//! with its options, or only those named.

use clap::Args;
use endpoints::core::suggest::closest;
use endpoints::core::{Kind, OptionSpec, Shorthand, UrlForm, SERVER_OPTIONS};
use endpoints::{Registry, Side};
use serde::Serialize;

use crate::failure::Failure;
use crate::output::print;

/// Arguments of `endpoint kinds`.
#[derive(Debug, Args)]
#[non_exhaustive]
pub struct KindsArgs {
    /// Print one JSON object (`{"kinds": [...], "shorthands": [...], "urlForms": [...]}`) instead
    /// of text.
    #[arg(long)]
    pub json: bool,
    /// Show only these: a name shows every kind, layer, shorthand and URL form called so
    /// (`tls`, `ws`); `tls+` only the layer; `ws://` only the URL form.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// Prints the kinds of [`Registry::global`] (or those `NAME...` pick): name, side, layer or
/// base, summary, usage and options, then the shorthands and URL forms.
///
/// # Errors
/// A name that matches nothing (with the closest name that exists); a failed write to stdout.
pub fn run(args: &KindsArgs) -> Result<(), Failure> {
    let registry = Registry::global();
    let chosen = Selection::new(registry, &args.names)?;
    if args.json {
        let listing = Listing::new(&chosen);
        // Cannot fail: every key is a string and no `Serialize` impl here returns an error.
        let json = serde_json::to_string(&listing).expect("the kinds listing serializes");
        print(&format!("{json}\n"))
    } else {
        print(&text(&chosen))
    }
}

/// What a listing shows: everything, or what `NAME...` picked, in registry order.
struct Selection<'r> {
    kinds: Vec<&'r Kind>,
    shorthands: Vec<&'r Shorthand>,
    urls: Vec<&'r UrlForm>,
}

impl<'r> Selection<'r> {
    /// Everything in `registry` when `names` is empty, else what each name matches.
    ///
    /// # Errors
    /// [`Failure::Usage`] for the first name that matches nothing.
    fn new(registry: &'r Registry, names: &[String]) -> Result<Self, Failure> {
        let everything = Selection {
            kinds: registry.kinds().iter().collect(),
            shorthands: registry.shorthands().iter().collect(),
            urls: registry.url_forms().iter().collect(),
        };
        if names.is_empty() {
            return Ok(everything);
        }
        for name in names {
            if !names_something(&everything, name) {
                return Err(unknown(&everything, name));
            }
        }
        let wanted = |test: &dyn Fn(&str) -> bool| names.iter().any(|n| test(n));
        Ok(Selection {
            kinds: everything
                .kinds
                .into_iter()
                .filter(|k| wanted(&|n| matches_kind(k, n)))
                .collect(),
            shorthands: everything
                .shorthands
                .into_iter()
                .filter(|s| wanted(&|n| !is_qualified(n) && s.name.eq_ignore_ascii_case(n)))
                .collect(),
            urls: everything
                .urls
                .into_iter()
                .filter(|u| wanted(&|n| matches_url(u, n)))
                .collect(),
        })
    }
}

/// True for `tls+` and `ws://`, which name one thing only.
fn is_qualified(name: &str) -> bool {
    name.ends_with('+') || name.ends_with("://")
}

/// `name` (or `name+`, for layers) names `kind`.
fn matches_kind(kind: &Kind, name: &str) -> bool {
    match name.strip_suffix('+') {
        Some(layer) => kind.is_layer() && kind.name.eq_ignore_ascii_case(layer),
        None => !name.ends_with("://") && kind.name.eq_ignore_ascii_case(name),
    }
}

/// `name` or `name://` names the URL form.
fn matches_url(url: &UrlForm, name: &str) -> bool {
    !name.ends_with('+')
        && url
            .scheme
            .eq_ignore_ascii_case(name.strip_suffix("://").unwrap_or(name))
}

/// True when `name` picks anything out of `all`.
fn names_something(all: &Selection<'_>, name: &str) -> bool {
    all.kinds.iter().any(|k| matches_kind(k, name))
        || all
            .shorthands
            .iter()
            .any(|s| !is_qualified(name) && s.name.eq_ignore_ascii_case(name))
        || all.urls.iter().any(|u| matches_url(u, name))
}

/// The error for a name that matches nothing: the closest name, and every name there is.
fn unknown(all: &Selection<'_>, name: &str) -> Failure {
    let mut known: Vec<String> = all
        .kinds
        .iter()
        .map(|k| {
            if k.is_layer() {
                format!("{}+", k.name)
            } else {
                k.name.to_owned()
            }
        })
        .chain(all.shorthands.iter().map(|s| s.name.to_owned()))
        .chain(all.urls.iter().map(|u| format!("{}://", u.scheme)))
        .collect();
    known.sort();
    known.dedup();
    let bare = name.trim_end_matches("://").trim_end_matches('+');
    let suggestion = closest(
        bare,
        known
            .iter()
            .map(|k| k.trim_end_matches("://").trim_end_matches('+')),
    )
    .map(|s| format!("; did you mean \"{s}\"?"))
    .unwrap_or_default();
    Failure::Usage(format!(
        "no endpoint kind, layer, shorthand or URL form is called \"{name}\"{suggestion} (known: {})",
        known.join(", ")
    ))
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
fn text(chosen: &Selection<'_>) -> String {
    let (kinds, shorthands, urls) = (&chosen.kinds, &chosen.shorthands, &chosen.urls);
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
        for option in kind.options.iter() {
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
    if kinds
        .iter()
        .any(|k| k.side() == Side::Server && !k.is_layer())
    {
        out.push_str("Every server description also takes (the listener applies them):\n");
        let name_width = (SERVER_OPTIONS.iter())
            .map(|o| o.name.len())
            .max()
            .unwrap_or(0);
        let type_width = (SERVER_OPTIONS.iter())
            .map(|o| o.ty.to_string().len())
            .max()
            .unwrap_or(0);
        for option in SERVER_OPTIONS {
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
    if option.secret {
        notes.push(format!(
            "secret: shown as ***; or from a file, {name}File=PATH, or the environment, {name}Env=VAR",
            name = option.name
        ));
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
    fn new(chosen: &Selection<'_>) -> Self {
        Listing {
            kinds: chosen.kinds.iter().map(|k| KindView::new(k)).collect(),
            shorthands: chosen
                .shorthands
                .iter()
                .map(|s| ShorthandView {
                    name: s.name,
                    side: s.side,
                    expansion: s.expansion,
                    summary: s.summary,
                })
                .collect(),
            url_forms: chosen
                .urls
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

    fn names(chosen: &Selection<'_>) -> Vec<String> {
        let kinds = chosen
            .kinds
            .iter()
            .map(|k| format!("{} {} {}", k.name, k.side(), role(k)));
        let shorthands = chosen
            .shorthands
            .iter()
            .map(|s| format!("{} {} shorthand", s.name, s.side));
        let urls = chosen.urls.iter().map(|u| format!("{}://", u.scheme));
        kinds.chain(shorthands).chain(urls).collect()
    }

    #[test]
    fn names_pick_kinds_layers_shorthands_and_url_forms() -> Result<(), Failure> {
        let registry = Registry::global();
        let pick = |wanted: &[&str]| {
            let wanted: Vec<String> = wanted.iter().map(|w| (*w).to_owned()).collect();
            Selection::new(registry, &wanted).map(|chosen| names(&chosen))
        };
        assert_eq!(pick(&["TCP6"])?, ["tcp6 server base"]);
        assert_eq!(pick(&["tls+"])?, ["tls server layer", "tls client layer"]);
        assert_eq!(pick(&["wss://"])?, ["wss://"]);
        let ws = pick(&["ws"])?;
        assert!(ws.contains(&"ws client shorthand".to_owned()), "{ws:?}");
        assert!(ws.contains(&"ws://".to_owned()), "{ws:?}");
        assert!(!ws.iter().any(|n| n.starts_with("wss")), "{ws:?}");
        assert!(matches!(pick(&["tcp+"]), Err(Failure::Usage(_))));
        Ok(())
    }

    #[test]
    fn text_shows_usage_and_options() {
        let registry = Registry::global();
        let text = text(&Selection::new(registry, &[]).expect("everything"));
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
