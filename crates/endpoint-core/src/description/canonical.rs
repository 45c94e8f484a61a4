//! Writing canonical descriptions: what every endpoint's `Display` prints.

use std::fmt;
use std::time::Duration;

use super::split::quote;
use super::value::format_seconds;

/// A builder for a canonical description: kind, positionals, then `key=value` options, every
/// value quoted so the text parses back to the same endpoint.
///
/// # Examples
/// ```
/// use endpoint_core::description::Canonical;
/// let text = Canonical::new("unix").arg("/tmp/a:b").option("mode", "666").to_string();
/// assert_eq!(text, r"unix:/tmp/a\:b:mode=666");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Canonical {
    text: String,
    /// True once anything follows the kind.
    has_segments: bool,
}

impl Canonical {
    /// Starts a description of `kind`.
    pub fn new(kind: &str) -> Self {
        Canonical {
            text: quote(kind),
            has_segments: false,
        }
    }

    /// Starts the description of a layer over `inner`'s description: `layer+inner`. Options
    /// added afterwards are qualified with the layer's name (`tls.hostname=...`), so they can
    /// never be claimed by another part.
    pub fn layer(layer: &str, inner: &dyn fmt::Display) -> LayerCanonical {
        LayerCanonical {
            layer: layer.to_owned(),
            text: format!("{layer}+{inner}"),
        }
    }

    /// Appends a positional argument.
    ///
    /// A first argument that starts with `//` gets its first slash escaped (`unix:\//p` is
    /// the path `//p`): written bare, `unix://p` would read back as a URL form.
    pub fn arg(mut self, value: impl fmt::Display) -> Self {
        let quoted = quote(&value.to_string());
        let first = !self.has_segments;
        self.text.push(':');
        if first && quoted.starts_with("//") {
            self.text.push('\\');
        }
        self.text.push_str(&quoted);
        self.has_segments = true;
        self
    }

    /// Appends `key=value`.
    pub fn option(mut self, key: &str, value: impl fmt::Display) -> Self {
        self.has_segments = true;
        self.text.push(':');
        self.text.push_str(key);
        self.text.push('=');
        self.text.push_str(&quote(&value.to_string()));
        self
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn option_some<T: fmt::Display>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.option(key, v),
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
}

impl fmt::Display for Canonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A canonical description of a layer over an inner endpoint; see [`Canonical::layer`].
#[derive(Clone, Debug)]
pub struct LayerCanonical {
    layer: String,
    text: String,
}

impl LayerCanonical {
    /// Appends `layer.key=value`.
    pub fn option(mut self, key: &str, value: impl fmt::Display) -> Self {
        self.text.push_str(&format!(
            ":{}.{key}={}",
            self.layer,
            quote(&value.to_string())
        ));
        self
    }

    /// Appends `layer.key=value` when `value` is `Some`.
    pub fn option_some<T: fmt::Display>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.option(key, v),
            None => self,
        }
    }

    /// Appends `layer.key=SECONDS`.
    pub fn seconds(self, key: &str, value: Duration) -> Self {
        self.option(key, format_seconds(value))
    }
}

impl fmt::Display for LayerCanonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::split;

    #[test]
    fn a_first_argument_starting_with_two_slashes_is_not_read_as_a_url() {
        let text = Canonical::new("unix").arg("//p").arg("//q").to_string();
        assert_eq!(text, r"unix:\//p://q");
        let s = split(&text).unwrap();
        assert_eq!(s.positionals[1].text, "//p");
        assert_eq!(s.positionals[2].text, "//q");
        let text = Canonical::new("k")
            .option("a", "//x")
            .arg("//y")
            .to_string();
        assert_eq!(text, "k:a=//x://y");
    }
}
