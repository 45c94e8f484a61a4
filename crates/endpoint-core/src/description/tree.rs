//! A description as a value: what an endpoint is equal to, hashes as, serializes from and is
//! described from. Text is one rendering of it (masked for people, whole on request).

use std::fmt;
use std::time::Duration;

use super::split::quote;
use super::value::format_seconds;

/// What a secret value prints as, whatever its length.
pub const MASK: &str = "***";

/// A secret option value (a password, a header value): compared and hashed by its content,
/// printed as [`MASK`] by `Display` and `Debug`, read only through [`Secret::expose`].
///
/// # Examples
/// ```
/// use endpoint_core::description::Secret;
/// let secret = Secret::new("hunter2");
/// assert_eq!(secret.to_string(), "***");
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert_eq!(secret.expose(), "hunter2");
/// assert_ne!(secret, Secret::new("hunter3"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: for the code that uses it (a handshake), never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// One piece of an option's value: most values are one plain piece; a value that mixes
/// public and secret text (the ws client's `headers=X-Key=SECRET`) is several.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Piece {
    /// Text anyone may read.
    Plain(String),
    /// Text shown as [`MASK`] unless the whole description is asked for.
    Secret(Secret),
    /// A whole inner description (tls's `endpoint=`, a proxy's `proxy=`): a value, not text.
    Description(Box<Description>),
}

/// An option's value, as pieces (see [`Piece`]).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OptionText(Vec<Piece>);

impl OptionText {
    /// A value of plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        OptionText(vec![Piece::Plain(text.into())])
    }

    /// A value made of `pieces`, in order.
    pub fn from_pieces(pieces: Vec<Piece>) -> Self {
        OptionText(pieces)
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// The inner description, when the value is one.
    pub fn as_description(&self) -> Option<&Description> {
        match self.0.as_slice() {
            [Piece::Description(d)] => Some(d),
            _ => None,
        }
    }

    /// True when any piece is secret (here or in a nested description).
    pub fn has_secret(&self) -> bool {
        self.0.iter().any(|p| match p {
            Piece::Plain(_) => false,
            Piece::Secret(_) => true,
            Piece::Description(d) => d.has_secret(),
        })
    }

    /// The value as text: secrets masked unless `whole`.
    pub fn render(&self, whole: bool) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Plain(text) => out.push_str(text),
                Piece::Secret(secret) if whole => out.push_str(secret.expose()),
                Piece::Secret(_) => out.push_str(MASK),
                Piece::Description(d) => out.push_str(&d.render(whole)),
            }
        }
        out
    }
}

/// One `:`-separated segment of a part.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Segment {
    /// A positional argument.
    Arg(OptionText),
    /// `key=value`.
    Option(String, OptionText),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Node {
    /// A kind, or a layer (`inner` is then the part beneath it).
    Part {
        kind: String,
        inner: Option<Box<Description>>,
        segments: Vec<Segment>,
        /// Options every server takes, claimed by the registry rather than a kind
        /// (`maxConnections=`): written last, unqualified.
        common: Vec<(String, OptionText)>,
    },
    /// Several endpoints listening as one ([`crate::MergedServerEndpoint`]).
    Merged(Vec<Description>),
}

/// A parsed description as a value: its kind, its option values (secrets held as
/// [`Secret`]) and, for a layer, the description beneath it.
///
/// Every endpoint gives one ([`ClientEndpoint::description`](crate::ClientEndpoint::description),
/// [`ServerEndpoint::description`](crate::ServerEndpoint::description)), with every default
/// written out as canonical text has it, so two endpoints that mean the same thing have equal
/// descriptions however they were written (`tcp:8080` and `tcp:8080:backlog=50`), and two that
/// differ only in a password do not.
///
/// Text is a rendering: `Display` and `Debug` mask secret values as [`MASK`] (for logs and
/// people); [`unmasked`](Description::unmasked) renders the whole canonical text, which parses
/// back to an equal endpoint (for configuration files: that is what serde writes).
///
/// # Examples
/// ```
/// use endpoint_core::description::{Description, Secret};
/// let inner = Description::new("tcp").arg("example.com").arg(443);
/// let one = Description::layer("socks5", inner.clone()).secret("password", Secret::new("one"));
/// let two = Description::layer("socks5", inner).secret("password", Secret::new("two"));
/// assert_ne!(one, two);
/// assert_eq!(one.to_string(), "socks5+tcp:example.com:443:socks5.password=***");
/// assert_eq!(one.unmasked().to_string(), "socks5+tcp:example.com:443:socks5.password=one");
/// assert_eq!(one.kind(), "socks5");
/// assert_eq!(one.base().kind(), "tcp");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Description(Node);

impl Description {
    /// Starts the description of `kind` (a base kind, no layer).
    pub fn new(kind: impl Into<String>) -> Self {
        Description(Node::Part {
            kind: kind.into(),
            inner: None,
            segments: Vec::new(),
            common: Vec::new(),
        })
    }

    /// Starts the description of the layer `layer` over `inner`: rendered `layer+inner`,
    /// the layer's options qualified with its name (`tls.hostname=...`), so they can never be
    /// claimed by another part.
    pub fn layer(layer: impl Into<String>, inner: Description) -> Self {
        Description(Node::Part {
            kind: layer.into(),
            inner: Some(Box::new(inner)),
            segments: Vec::new(),
            common: Vec::new(),
        })
    }

    /// Several server descriptions listening as one, rendered joined by `, `.
    pub fn merged(parts: impl IntoIterator<Item = Description>) -> Self {
        Description(Node::Merged(parts.into_iter().collect()))
    }

    /// The same description under another kind name: Twisted's `ssl:HOST:PORT` client is its
    /// inner `tcp:` description renamed.
    pub fn renamed(mut self, kind: impl Into<String>) -> Self {
        if let Node::Part { kind: k, .. } = &mut self.0 {
            *k = kind.into();
        }
        self
    }

    fn push(mut self, segment: Segment) -> Self {
        if let Node::Part { segments, .. } = &mut self.0 {
            segments.push(segment);
        }
        self
    }

    /// Appends a positional argument.
    pub fn arg(self, value: impl fmt::Display) -> Self {
        self.push(Segment::Arg(OptionText::plain(value.to_string())))
    }

    /// Appends `key=value`.
    pub fn option(self, key: &str, value: impl fmt::Display) -> Self {
        self.option_text(key, OptionText::plain(value.to_string()))
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn option_some<T: fmt::Display>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.option(key, v),
            None => self,
        }
    }

    /// Appends `key=value` with a value of any pieces.
    pub fn option_text(self, key: &str, value: OptionText) -> Self {
        self.push(Segment::Option(key.to_owned(), value))
    }

    /// Appends `key=value` with a value of any pieces, when `value` is `Some`.
    pub fn option_text_some(self, key: &str, value: Option<OptionText>) -> Self {
        match value {
            Some(v) => self.option_text(key, v),
            None => self,
        }
    }

    /// Appends `key=1` or `key=0`.
    pub fn flag(self, key: &str, value: bool) -> Self {
        self.option(key, u8::from(value))
    }

    /// Appends `key=SECONDS`.
    pub fn seconds(self, key: &str, value: Duration) -> Self {
        self.option(key, format_seconds(value))
    }

    /// Appends `key=SECRET`: masked in `Display`, whole in [`unmasked`](Self::unmasked).
    pub fn secret(self, key: &str, value: Secret) -> Self {
        self.option_text(key, OptionText(vec![Piece::Secret(value)]))
    }

    /// Appends `key=SECRET` when `value` is `Some`.
    pub fn secret_some(self, key: &str, value: Option<&Secret>) -> Self {
        match value {
            Some(v) => self.secret(key, v.clone()),
            None => self,
        }
    }

    /// Appends `key=DESCRIPTION`: an inner description kept as a value.
    pub fn nested(self, key: &str, value: Description) -> Self {
        self.option_text(key, OptionText(vec![Piece::Description(Box::new(value))]))
    }

    /// Appends `key=value` as an option every server takes (`maxConnections=`), written
    /// last and unqualified.
    pub fn common(mut self, key: &str, value: impl fmt::Display) -> Self {
        if let Node::Part { common, .. } = &mut self.0 {
            common.push((key.to_owned(), OptionText::plain(value.to_string())));
        }
        self
    }

    /// The outermost part's kind: a layer's name (`tls`), or the base kind when there is no
    /// layer; empty for a merged description.
    pub fn kind(&self) -> &str {
        match &self.0 {
            Node::Part { kind, .. } => kind,
            Node::Merged(_) => "",
        }
    }

    /// The part beneath this layer, if this is a layer.
    pub fn inner(&self) -> Option<&Description> {
        match &self.0 {
            Node::Part { inner, .. } => inner.as_deref(),
            Node::Merged(_) => None,
        }
    }

    /// The innermost part: the base kind beneath every layer.
    pub fn base(&self) -> &Description {
        let mut part = self;
        while let Some(inner) = part.inner() {
            part = inner;
        }
        part
    }

    /// True when this part or one beneath it is `kind` (`tls` under `ws+tls+tcp`).
    pub fn contains_kind(&self, kind: &str) -> bool {
        let mut part = Some(self);
        while let Some(p) = part {
            if p.kind() == kind {
                return true;
            }
            part = p.inner();
        }
        false
    }

    /// The parts of a merged description (empty otherwise).
    pub fn merged_parts(&self) -> &[Description] {
        match &self.0 {
            Node::Merged(parts) => parts,
            Node::Part { .. } => &[],
        }
    }

    /// The positional arguments of this part, in order.
    pub fn args(&self) -> impl Iterator<Item = &OptionText> {
        self.segments().filter_map(|s| match s {
            Segment::Arg(v) => Some(v),
            Segment::Option(..) => None,
        })
    }

    /// The `key=value` options of this part (not of the parts beneath it), in order.
    pub fn options(&self) -> impl Iterator<Item = (&str, &OptionText)> {
        self.segments().filter_map(|s| match s {
            Segment::Option(k, v) => Some((k.as_str(), v)),
            Segment::Arg(_) => None,
        })
    }

    /// The value of this part's option `key`, if written.
    pub fn option_value(&self, key: &str) -> Option<&OptionText> {
        self.options()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
            .last()
    }

    /// The options every server takes (`maxConnections=`), at any part.
    pub fn common_options(&self) -> Vec<(&str, &OptionText)> {
        let mut out = Vec::new();
        let mut part = Some(self);
        while let Some(Description(Node::Part { common, inner, .. })) = part {
            out.extend(common.iter().map(|(k, v)| (k.as_str(), v)));
            part = inner.as_deref();
        }
        out
    }

    fn segments(&self) -> impl Iterator<Item = &Segment> {
        match &self.0 {
            Node::Part { segments, .. } => segments.iter(),
            Node::Merged(_) => [].iter(),
        }
    }

    /// True when any value here or beneath is secret.
    pub fn has_secret(&self) -> bool {
        match &self.0 {
            Node::Merged(parts) => parts.iter().any(Description::has_secret),
            Node::Part {
                inner,
                segments,
                common,
                ..
            } => {
                inner.as_deref().is_some_and(Description::has_secret)
                    || segments.iter().any(|s| match s {
                        Segment::Arg(v) | Segment::Option(_, v) => v.has_secret(),
                    })
                    || common.iter().any(|(_, v)| v.has_secret())
            }
        }
    }

    /// The whole canonical text, secrets included: it parses back to an equal endpoint.
    /// For configuration files and handing a description on; never for logs.
    pub fn unmasked(&self) -> Unmasked<'_> {
        Unmasked(self)
    }

    /// The canonical text, secrets masked unless `whole`.
    pub fn render(&self, whole: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, whole, true);
        out
    }

    /// Writes this part; `outermost` writes the common options of every part, once, last.
    fn write(&self, out: &mut String, whole: bool, outermost: bool) {
        let (kind, inner, segments) = match &self.0 {
            Node::Merged(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    part.write(out, whole, true);
                }
                return;
            }
            Node::Part {
                kind,
                inner,
                segments,
                ..
            } => (kind, inner, segments),
        };
        match inner {
            Some(inner) => {
                out.push_str(kind);
                out.push('+');
                inner.write(out, whole, false);
            }
            None => out.push_str(&quote(kind)),
        }
        let qualifier = inner.as_ref().map(|_| kind.as_str());
        for (i, segment) in segments.iter().enumerate() {
            out.push(':');
            match segment {
                Segment::Arg(value) => {
                    let quoted = quote(&value.render(whole));
                    // Written bare, `unix://p` would read back as a URL form.
                    if i == 0 && quoted.starts_with("//") {
                        out.push('\\');
                    }
                    out.push_str(&quoted);
                }
                Segment::Option(key, value) => {
                    if let Some(layer) = qualifier {
                        out.push_str(layer);
                        out.push('.');
                    }
                    out.push_str(key);
                    out.push('=');
                    out.push_str(&quote(&value.render(whole)));
                }
            }
        }
        if outermost {
            for (key, value) in self.common_options() {
                out.push(':');
                out.push_str(key);
                out.push('=');
                out.push_str(&quote(&value.render(whole)));
            }
        }
    }
}

/// The canonical text with secrets masked.
impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// The masked canonical text: `Description("socks5+tcp:...:socks5.password=***")`.
impl fmt::Debug for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Description")
            .field(&self.render(false))
            .finish()
    }
}

/// The whole canonical text of a [`Description`], secrets included; see
/// [`Description::unmasked`].
#[derive(Clone, Copy)]
pub struct Unmasked<'a>(&'a Description);

impl fmt::Display for Unmasked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.render(true))
    }
}

/// Never shows the secrets: `Debug` output ends up in logs.
impl fmt::Debug for Unmasked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::split;

    #[test]
    fn renders_as_canonical_text_did() {
        let text = Description::new("unix")
            .arg("/tmp/a:b")
            .option("mode", "666");
        assert_eq!(text.to_string(), r"unix:/tmp/a\:b:mode=666");
        let text = Description::new("unix").arg("//p").arg("//q").to_string();
        assert_eq!(text, r"unix:\//p://q");
        let s = split(&text).unwrap();
        assert_eq!(s.positionals[1].text, "//p");
        let text = Description::new("k").option("a", "//x").arg("//y");
        assert_eq!(text.to_string(), "k:a=//x://y");
    }

    #[test]
    fn layers_qualify_their_options_and_common_options_come_last() {
        let tcp = Description::new("tcp").arg(443).option("backlog", 50);
        let tls = Description::layer("tls", tcp).option("alpn", "h2");
        let ws = Description::layer("ws", tls)
            .option("path", "/a:b")
            .common("maxConnections", 5);
        assert_eq!(
            ws.to_string(),
            r"ws+tls+tcp:443:backlog=50:tls.alpn=h2:ws.path=/a\:b:maxConnections=5"
        );
        assert_eq!(ws.base().kind(), "tcp");
        assert!(ws.contains_kind("tls"));
        assert!(!ws.contains_kind("unix"));
    }

    #[test]
    fn nested_secrets_are_masked_and_compared() {
        let proxy = |pw: &str| {
            Description::new("tcp")
                .arg("p")
                .arg(1)
                .secret("password", Secret::new(pw))
        };
        let one = Description::new("tls").nested("endpoint", proxy("a=b"));
        let two = Description::new("tls").nested("endpoint", proxy("c"));
        assert_ne!(one, two);
        assert_eq!(one.to_string(), r"tls:endpoint=tcp\:p\:1\:password\=***");
        assert_eq!(
            one.unmasked().to_string(),
            r"tls:endpoint=tcp\:p\:1\:password\=a\\\=b"
        );
        assert!(!format!("{:?}", one.unmasked()).contains("a=b"));
        assert!(one.has_secret());
    }

    #[test]
    fn mixed_values_keep_public_pieces() {
        let value = OptionText::from_pieces(vec![
            Piece::Plain("X-Key=".into()),
            Piece::Secret(Secret::new("s")),
        ]);
        let d = Description::layer("ws", Description::new("tcp").arg("h").arg(80))
            .option_text("headers", value);
        assert_eq!(d.to_string(), r"ws+tcp:h:80:ws.headers=X-Key\=***");
        assert_eq!(d.unmasked().to_string(), r"ws+tcp:h:80:ws.headers=X-Key\=s");
    }

    #[test]
    fn merged_descriptions_join_their_parts() {
        let d = Description::merged([
            Description::new("tcp").arg(1),
            Description::new("unix").arg("/a"),
        ]);
        assert_eq!(d.to_string(), "tcp:1, unix:/a");
        assert_eq!(d.merged_parts().len(), 2);
    }
}
