//! The registry: from description strings to endpoints.

use std::sync::{Arc, OnceLock};

use crate::description::{self, split, Args, Value};
use crate::egress::EgressPolicy;
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::{Error, Result};
use crate::kind::{Builder, Kind, Shorthand, UrlForm};
use crate::nested::InnerParser;
use crate::server_options::ServerOptions;
use crate::side::Side;
use crate::suggest::closest;

/// The most parts one description may chain: layers, wrapper forms and shorthand
/// expansions together (`a+b+...+kind`). Deeper chains are refused before anything is
/// built, so a description's cost stays proportional to its length.
pub const MAX_LAYERS: usize = 16;

/// A set of kinds, layers and URL forms that descriptions are parsed against.
///
/// [`Registry::global`] holds every kind linked into the program (collected with `inventory`);
/// [`Registry::new`] starts empty, for tests and embedding, and [`Registry::register`] adds
/// kinds at run time.
///
/// # Examples
/// ```
/// use endpoint_core::Registry;
/// let mut registry = Registry::new();
/// assert!(registry.server("tcp:80").is_err()); // nothing registered yet
/// ```
///
/// Cloning is cheap (the tables are shared until one clone registers something).
#[derive(Clone, Debug, Default)]
pub struct Registry {
    tables: Arc<Tables>,
}

#[derive(Clone, Debug, Default)]
struct Tables {
    kinds: Vec<Kind>,
    urls: Vec<UrlForm>,
    shorthands: Vec<Shorthand>,
    egress: Option<EgressPolicy>,
    /// Whether `NAMEFile=`/`NAMEEnv=` may read a secret option's value.
    secret_sources: bool,
}

/// Where a secret option's value may come from instead of the description itself.
const SECRET_SOURCES: [(&str, SecretSource); 2] =
    [("File", SecretSource::File), ("Env", SecretSource::Env)];

#[derive(Clone, Copy)]
enum SecretSource {
    File,
    Env,
}

/// The largest secret file read (a password or a header, not a key store).
const MAX_SECRET_FILE: u64 = 64 * 1024;

static GLOBAL: OnceLock<Registry> = OnceLock::new();

/// A parsed description, before any endpoint is built.
pub(crate) struct Plan<'r> {
    pub(crate) base: &'r Kind,
    pub(crate) base_args: Args,
    /// Outermost first.
    pub(crate) layers: Vec<(&'r Kind, Args)>,
    /// A server's options that every kind takes (`maxConnections=`, `maxHandshakes=`, ...).
    pub(crate) server_options: ServerOptions,
    /// Secret values read from files or the environment: scrubbed from any error.
    pub(crate) sourced_secrets: Vec<String>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry of every kind and URL form linked into this program.
    pub fn from_inventory() -> Self {
        let mut registry = Registry::new();
        for kind in inventory::iter::<Kind> {
            registry.register(*kind);
        }
        for form in inventory::iter::<UrlForm> {
            registry.register_url(*form);
        }
        for shorthand in inventory::iter::<Shorthand> {
            registry.register_shorthand(*shorthand);
        }
        registry
    }

    /// The program-wide registry: the one given to [`Registry::set_global`], else built from
    /// `inventory` on first use.
    pub fn global() -> &'static Registry {
        GLOBAL.get_or_init(Registry::from_inventory)
    }

    /// Makes `registry` the program-wide one (what `FromStr`, serde and
    /// [`server_from_string`]/[`client_from_string`] parse with): a program that restricts
    /// kinds or allows secret sources says so once, at start, before anything parses.
    ///
    /// # Errors
    /// Gives `registry` back when the global registry is already in use.
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::Registry;
    /// let mut registry = Registry::from_inventory();
    /// registry.allow_secret_sources();
    /// Registry::set_global(registry).expect("nothing parsed yet");
    /// assert!(Registry::global().secret_sources_allowed());
    /// ```
    pub fn set_global(registry: Registry) -> std::result::Result<(), Registry> {
        GLOBAL.set(registry)
    }

    /// Lets descriptions take every secret option's value from a file or an environment
    /// variable: `passwordFile=/run/secrets/proxy` reads the file (one trailing newline
    /// dropped, at most 64 KiB), `passwordEnv=PROXY_PASSWORD` the variable, so a secret never
    /// stands in a command line (`ps` shows those to every local user) or a configuration
    /// file. Off by default: a description from someone the program does not trust must not
    /// read its files or environment. The value read is the option's value as if written
    /// inline (masked in `Display`, whole in `unmasked()`).
    pub fn allow_secret_sources(&mut self) -> &mut Self {
        Arc::make_mut(&mut self.tables).secret_sources = true;
        self
    }

    /// True after [`allow_secret_sources`](Registry::allow_secret_sources).
    pub fn secret_sources_allowed(&self) -> bool {
        self.tables.secret_sources
    }

    /// Adds a kind, replacing one with the same name, side and role.
    pub fn register(&mut self, kind: Kind) -> &mut Self {
        let kinds = &mut Arc::make_mut(&mut self.tables).kinds;
        kinds.retain(|k| {
            !(k.name.eq_ignore_ascii_case(kind.name)
                && k.side() == kind.side()
                && k.is_layer() == kind.is_layer())
        });
        kinds.push(kind);
        // A stable order for listings: by name, then server before client, base before layer.
        kinds.sort_by_key(|k| (k.name, k.side() == Side::Client, k.is_layer()));
        self
    }

    /// Adds a URL form, replacing one with the same scheme.
    pub fn register_url(&mut self, form: UrlForm) -> &mut Self {
        let urls = &mut Arc::make_mut(&mut self.tables).urls;
        urls.retain(|u| !u.scheme.eq_ignore_ascii_case(form.scheme));
        urls.push(form);
        urls.sort_by_key(|u| u.scheme);
        self
    }

    /// Adds a shorthand, replacing one with the same name and side.
    pub fn register_shorthand(&mut self, shorthand: Shorthand) -> &mut Self {
        let shorthands = &mut Arc::make_mut(&mut self.tables).shorthands;
        shorthands
            .retain(|s| !(s.name.eq_ignore_ascii_case(shorthand.name) && s.side == shorthand.side));
        shorthands.push(shorthand);
        shorthands.sort_by_key(|s| (s.name, s.side == Side::Client));
        self
    }

    /// Restricts this registry to the kinds and layers called `names` (matched
    /// case-insensitively), and the shorthands whose whole chain they allow; everything else
    /// becomes an unknown kind.
    ///
    /// Parsers receive the registry that is parsing, so the restriction also holds for every
    /// description nested in another (`tls`'s `endpoint=`, a plugin's inner description): an
    /// application that accepts descriptions from someone it does not fully trust can say
    /// "only tcp, tls and ws here" once. URL forms stay; what they expand to is checked.
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::{Kind, Registry};
    /// # fn parse(_: endpoint_core::description::Args) -> endpoint_core::Result<std::sync::Arc<dyn endpoint_core::ClientEndpoint>> { unimplemented!() }
    /// let mut registry = Registry::new();
    /// for name in ["tcp", "unix"] {
    ///     registry.register(Kind::client(name, "", &[], parse));
    /// }
    /// registry.allow_only(&["tcp"]);
    /// assert!(registry.find("unix", endpoint_core::Side::Client, false).is_none());
    /// ```
    pub fn allow_only(&mut self, names: &[&str]) -> &mut Self {
        let allowed = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let tables = Arc::make_mut(&mut self.tables);
        tables.kinds.retain(|k| allowed(k.name));
        // A shorthand stays when everything it stands for is allowed (`wss` = `ws+tls`).
        tables
            .shorthands
            .retain(|s| s.expansion.split('+').all(allowed));
        self
    }

    /// Guards every client this registry builds with `policy`: transports that connect by
    /// address (tcp, and tls and ws over it) check each resolved address at connect time and
    /// try only the allowed ones, so a description naming a guarded address — directly, or by
    /// a name that resolves to one — is refused with an error naming the address and the rule.
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::{EgressPolicy, Registry};
    /// let mut registry = Registry::new();
    /// registry.guard_egress(EgressPolicy::public_only());
    /// assert!(registry.egress().is_some());
    /// ```
    pub fn guard_egress(&mut self, policy: EgressPolicy) -> &mut Self {
        Arc::make_mut(&mut self.tables).egress = Some(policy);
        self
    }

    /// The egress policy set with [`guard_egress`](Registry::guard_egress), if any.
    pub fn egress(&self) -> Option<&EgressPolicy> {
        self.tables.egress.as_ref()
    }

    /// Every registered kind and layer, sorted by name.
    pub fn kinds(&self) -> &[Kind] {
        &self.tables.kinds
    }

    /// Every registered URL form.
    pub fn url_forms(&self) -> &[UrlForm] {
        &self.tables.urls
    }

    /// Every registered shorthand, sorted by name.
    pub fn shorthands(&self) -> &[Shorthand] {
        &self.tables.shorthands
    }

    /// The base kind (or layer, with `layer`) called `name` on `side`.
    pub fn find(&self, name: &str, side: Side, layer: bool) -> Option<&Kind> {
        self.tables.kinds.iter().find(|k| {
            k.name.eq_ignore_ascii_case(name) && k.side() == side && k.is_layer() == layer
        })
    }

    /// The shorthand called `name` on `side`.
    pub fn find_shorthand(&self, name: &str, side: Side) -> Option<&Shorthand> {
        self.tables
            .shorthands
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name) && s.side == side)
    }

    /// Parses a server description into an endpoint (no I/O).
    ///
    /// # Errors
    /// [`Error::Parse`], [`Error::UnknownKind`] or [`Error::Option`], each naming the input.
    #[doc(alias = "serverFromString")]
    pub fn server(&self, description: &str) -> Result<Arc<dyn ServerEndpoint>> {
        self.parse_server(description)
            .map_err(|e| description::without_secrets(e, &self.secret_option_names()))
    }

    fn parse_server(&self, description: &str) -> Result<Arc<dyn ServerEndpoint>> {
        let mut plan = self.plan(Side::Server, description)?;
        let sourced = std::mem::take(&mut plan.sourced_secrets);
        self.build_server(plan)
            .map_err(|e| description::scrub_values(e, &sourced))
    }

    fn build_server(&self, plan: Plan<'_>) -> Result<Arc<dyn ServerEndpoint>> {
        let Builder::Server(parse) = plan.base.builder else {
            unreachable!("plan() only picks server kinds for the server side")
        };
        let server_options = plan.server_options;
        let mut endpoint = parse(plan.base_args)?;
        for (layer, args) in plan.layers.into_iter().rev() {
            let Builder::ServerLayer(wrap) = layer.builder else {
                unreachable!("plan() only picks server layers for the server side")
            };
            endpoint = wrap(args, endpoint)?;
        }
        Ok(server_options.apply(endpoint))
    }

    /// Parses a client description into an endpoint (no I/O).
    ///
    /// # Errors
    /// [`Error::Parse`], [`Error::UnknownKind`] or [`Error::Option`], each naming the input.
    #[doc(alias = "clientFromString")]
    pub fn client(&self, description: &str) -> Result<Arc<dyn ClientEndpoint>> {
        self.parse_client(description)
            .map_err(|e| description::without_secrets(e, &self.secret_option_names()))
    }

    /// `description` with the value of every secret option (at any depth, qualified,
    /// misspelled or in a URL's userinfo) replaced by
    /// [`MASK`](crate::description::MASK): for quoting text a person wrote in a message,
    /// whether or not it parses.
    ///
    /// # Examples
    /// ```
    /// use endpoint_core::Registry;
    /// let masked = Registry::global().masked("ws://me:hunter2@example.com/");
    /// assert_eq!(masked, "ws://***@example.com/");
    /// ```
    pub fn masked(&self, description: &str) -> String {
        description::mask_secret_values(description, &self.secret_option_names()).text
    }

    /// The names of every secret option of every kind: their values never appear in errors.
    fn secret_option_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = (self.tables.kinds.iter())
            .flat_map(|kind| kind.options.iter())
            .filter(|option| option.secret)
            .map(|option| option.name)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn parse_client(&self, description: &str) -> Result<Arc<dyn ClientEndpoint>> {
        let mut plan = self.plan(Side::Client, description)?;
        let sourced = std::mem::take(&mut plan.sourced_secrets);
        self.build_client(plan)
            .map_err(|e| description::scrub_values(e, &sourced))
    }

    fn build_client(&self, plan: Plan<'_>) -> Result<Arc<dyn ClientEndpoint>> {
        let Builder::Client(parse) = plan.base.builder else {
            unreachable!("plan() only picks client kinds for the client side")
        };
        let mut endpoint = parse(plan.base_args)?;
        for (layer, args) in plan.layers.into_iter().rev() {
            let Builder::ClientLayer(wrap) = layer.builder else {
                unreachable!("plan() only picks client layers for the client side")
            };
            endpoint = wrap(args, endpoint)?;
        }
        Ok(endpoint)
    }

    /// Parses `input` into its kinds and arguments, without building anything.
    pub(crate) fn plan(&self, side: Side, input: &str) -> Result<Plan<'_>> {
        let Some(scheme) = url_scheme(input) else {
            return self.plan_text(side, input);
        };
        let form = self
            .tables
            .urls
            .iter()
            .find(|u| u.scheme.eq_ignore_ascii_case(scheme))
            .ok_or_else(|| Error::UnknownKind {
                input: input.to_owned(),
                kind: format!("{scheme}://"),
                position: 0,
                side,
                known: self
                    .tables
                    .urls
                    .iter()
                    .map(|u| format!("{}://", u.scheme))
                    .collect(),
                suggestion: closest(scheme, self.tables.urls.iter().map(|u| u.scheme))
                    .map(|s| format!("{s}://")),
                other_side: false,
            })?;
        let rewritten = (form.rewrite)(input, side)?;
        self.plan_text(side, &rewritten)
    }

    /// [`plan`](Registry::plan) for text that is not a URL.
    fn plan_text(&self, side: Side, input: &str) -> Result<Plan<'_>> {
        let split = split(input)?;
        let mut positionals = split.positionals.into_iter();
        let Some(kind) = positionals.next() else {
            return Err(Error::Parse {
                input: input.to_owned(),
                position: 0,
                message: "no endpoint kind: a description starts with its kind, like tcp:8080"
                    .into(),
                suggestion: None,
            });
        };
        let mut names = Vec::new();
        chain(input, &kind, &mut names)?;
        // Twisted's wrapper form: `haproxy:tcp:80` means `haproxy+tcp:80` when `haproxy` is a
        // layer and neither a base kind nor a shorthand on this side.
        let layer_only = |name: &str| {
            self.find(name, side, false).is_none()
                && self.find_shorthand(name, side).is_none()
                && self.find(name, side, true).is_some()
        };
        // The next positional joins only when it names a kind itself (`haproxy:tcp:80`); in
        // `ws:example.com:80` without the ws shorthand, `ws` stays the unknown base kind.
        let names_a_kind = |segment: &Value| {
            let first = segment.text.split('+').next().unwrap_or_default();
            self.find(first, side, false).is_some()
                || self.find(first, side, true).is_some()
                || self.find_shorthand(first, side).is_some()
        };
        let mut positionals = positionals.peekable();
        while names.last().is_some_and(|(name, _)| layer_only(name)) {
            let Some(next) = positionals.next_if(|next| names_a_kind(next)) else {
                break;
            };
            chain(input, &next, &mut names)?;
        }
        // A shorthand base (`ws`) stands for its chain (`ws+tcp`).
        if let Some((name, position)) = names.last().cloned() {
            if self.find(&name, side, false).is_none() {
                if let Some(shorthand) = self.find_shorthand(&name, side) {
                    names.pop();
                    names.extend(
                        shorthand
                            .expansion
                            .split('+')
                            .map(|part| (part.to_owned(), position)),
                    );
                }
            }
        }
        if let Some((_, position)) = names.get(MAX_LAYERS) {
            return Err(too_deep(input, *position));
        }
        let mut parts = Vec::with_capacity(names.len());
        for (i, (name, position)) in names.iter().enumerate() {
            let layer = i + 1 < names.len();
            parts.push(self.lookup(input, name, *position, side, layer)?);
        }
        let (base, layers) = parts.split_last().expect("chain always yields one part");

        let mut assigned: Vec<Vec<(Value, Value)>> = vec![Vec::new(); parts.len()];
        let base_positionals = positionals.len();
        // Every server takes `maxConnections=` and the handshake limits (the listener
        // applies them); the last of each wins.
        let mut keywords = split.keywords;
        let server_options = match side {
            Side::Server => ServerOptions::take(input, &parts, &mut keywords)?,
            Side::Client => ServerOptions::default(),
        };
        let mut sourced_secrets = Vec::new();
        for (name, value) in keywords {
            let (name, value) = match self.secret_source(input, &parts, &name, &value)? {
                Some((name, value)) => {
                    sourced_secrets.push(value.text.clone());
                    (name, value)
                }
                None => (name, value),
            };
            let index = assign(input, &parts, base_positionals, &name)?;
            let bare = match name.text.split_once('.') {
                Some((prefix, rest)) if parts[index].name.eq_ignore_ascii_case(prefix) => Value {
                    text: rest.to_owned(),
                    position: name.position + prefix.len() + 1,
                },
                _ => name,
            };
            assigned[index].push((bare, value));
        }
        let nested: Arc<dyn InnerParser> = Arc::new(self.clone());
        // One copy of the text, shared by every part's arguments.
        let shared: Arc<str> = Arc::from(input);
        let mut assigned = assigned.into_iter();
        let layer_args = layers
            .iter()
            .zip(assigned.by_ref())
            .map(|(kind, keywords)| {
                let args = Args::new(
                    shared.clone(),
                    kind.name,
                    Vec::new(),
                    keywords,
                    kind.options,
                    nested.clone(),
                );
                (*kind, args)
            })
            .collect();
        let base_keywords = assigned.next().unwrap_or_default();
        Ok(Plan {
            base,
            base_args: Args::new(
                shared,
                base.name,
                positionals.collect(),
                base_keywords,
                base.options,
                nested,
            ),
            layers: layer_args,
            server_options,
            sourced_secrets,
        })
    }

    /// `NAMEFile=PATH` or `NAMEEnv=VAR` for a secret option `NAME` of one of `parts`: the
    /// keyword `NAME` with the value read (see [`Registry::allow_secret_sources`]).
    fn secret_source(
        &self,
        input: &str,
        parts: &[&Kind],
        name: &Value,
        value: &Value,
    ) -> Result<Option<(Value, Value)>> {
        let (qualifier, bare) = match name.text.split_once('.') {
            Some((prefix, rest)) => (Some(prefix), rest),
            None => (None, name.text.as_str()),
        };
        let takes = |kind: &&Kind, option: &str| {
            qualifier.is_none_or(|q| kind.name.eq_ignore_ascii_case(q))
                && kind.options.iter().any(|o| o.name == option)
        };
        let Some((stem, source)) = SECRET_SOURCES.iter().find_map(|(suffix, source)| {
            let stem = bare.strip_suffix(suffix).filter(|s| !s.is_empty())?;
            let secret = parts
                .iter()
                .any(|k| takes(k, stem) && k.options.iter().any(|o| o.name == stem && o.secret));
            (secret && !parts.iter().any(|k| takes(k, bare))).then_some((stem, *source))
        }) else {
            return Ok(None);
        };
        let refuse = |reason: String| Error::Option {
            input: input.to_owned(),
            kind: parts.iter().map(|k| k.name).collect::<Vec<_>>().join("+"),
            option: name.text.clone(),
            position: name.position,
            reason,
            accepted: vec![stem.to_owned(), format!("{stem}File"), format!("{stem}Env")],
            suggestion: None,
        };
        if !self.tables.secret_sources {
            return Err(refuse(format!(
                "reads the secret {stem}= from a file or the environment, which this program \
                 has not allowed (Registry::allow_secret_sources); write {stem}= itself"
            )));
        }
        let secret = match source {
            SecretSource::File => read_secret_file(&value.text)
                .map_err(|e| refuse(format!("could not read \"{}\": {e}", value.text)))?,
            SecretSource::Env => std::env::var(&value.text).map_err(|e| {
                refuse(format!(
                    "names the environment variable \"{}\": {e}",
                    value.text
                ))
            })?,
        };
        let text = match qualifier {
            Some(q) => format!("{q}.{stem}"),
            None => stem.to_owned(),
        };
        Ok(Some((
            Value {
                text,
                position: name.position,
            },
            Value {
                text: secret,
                position: value.position,
            },
        )))
    }

    fn lookup(
        &self,
        input: &str,
        name: &str,
        position: usize,
        side: Side,
        layer: bool,
    ) -> Result<&Kind> {
        if let Some(kind) = self.find(name, side, layer) {
            return Ok(kind);
        }
        let known: Vec<String> = self
            .tables
            .kinds
            .iter()
            .filter(|k| k.side() == side && k.is_layer() == layer)
            .map(|k| k.name.to_owned())
            .collect();
        let other_side = self.find(name, side.other(), layer).is_some();
        let hint = if !layer && self.find(name, side, true).is_some() {
            Some(format!("{}+...", name.to_lowercase()))
        } else {
            closest(name, known.iter().map(String::as_str))
        };
        Err(Error::UnknownKind {
            input: input.to_owned(),
            kind: name.to_owned(),
            position,
            side,
            known,
            suggestion: hint,
            other_side,
        })
    }
}

/// A secret file's text, without one trailing newline (`\n` or `\r\n`).
fn read_secret_file(path: &str) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(MAX_SECRET_FILE + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_SECRET_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "larger than 64 KiB",
        ));
    }
    if let Some(stripped) = text.strip_suffix('\n') {
        text.truncate(stripped.strip_suffix('\r').unwrap_or(stripped).len());
    }
    Ok(text)
}

/// Which part of `layer+layer+base` claims the keyword `name`: the part it is qualified with
/// (`tls.timeout`), else the base kind if it takes it (unless the base already has it by
/// position and one layer takes it), else the one layer that takes it.
fn assign(input: &str, parts: &[&Kind], base_positionals: usize, name: &Value) -> Result<usize> {
    if parts.len() == 1 {
        return Ok(0);
    }
    if let Some((prefix, _)) = name.text.split_once('.') {
        if let Some(i) = parts
            .iter()
            .position(|k| k.name.eq_ignore_ascii_case(prefix))
        {
            return Ok(i);
        }
    }
    // The base kind (last) takes an unqualified keyword it knows; layers' own keywords are
    // written qualified in canonical text, so the base's never collide with them.
    let base = parts.len() - 1;
    let layers_taking = (0..base)
        .filter(|&i| parts[i].option(&name.text).is_some())
        .count();
    // A base parameter already given by position (`unix:/a.sock` names `path`) leaves the
    // keyword to the one layer that takes it: `ws+unix:/a.sock:path=/chat` is the ws path.
    let given_by_position = parts[base]
        .positional
        .iter()
        .position(|p| *p == name.text)
        .is_some_and(|i| i < base_positionals);
    if parts[base].option(&name.text).is_some() && !(given_by_position && layers_taking == 1) {
        return Ok(base);
    }
    let claimed: Vec<usize> = (0..base)
        .filter(|&i| parts[i].option(&name.text).is_some())
        .collect();
    let accepted = || {
        parts
            .iter()
            .flat_map(|k| {
                k.options
                    .iter()
                    .map(move |o| format!("{}.{}", k.name, o.name))
            })
            .collect::<Vec<_>>()
    };
    match claimed.as_slice() {
        [one] => Ok(*one),
        [] => {
            let all = accepted();
            let bare: Vec<&str> = parts
                .iter()
                .flat_map(|k| k.options.iter().map(|o| o.name))
                .collect();
            Err(Error::Option {
                input: input.to_owned(),
                kind: parts.iter().map(|k| k.name).collect::<Vec<_>>().join("+"),
                option: name.text.clone(),
                position: name.position,
                reason: "is not an option of any part".into(),
                suggestion: closest(&name.text, bare),
                accepted: all,
            })
        }
        many => Err(Error::Option {
            input: input.to_owned(),
            kind: parts.iter().map(|k| k.name).collect::<Vec<_>>().join("+"),
            option: name.text.clone(),
            position: name.position,
            reason: format!(
                "is taken by more than one part; qualify it as {}",
                many.iter()
                    .map(|&i| format!("{}.{}", parts[i].name, name.text))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            suggestion: None,
            accepted: accepted(),
        }),
    }
}

/// Appends the `+`-separated names of `segment` (`tls+tcp`) with their byte positions,
/// refusing empty names and chains longer than [`MAX_LAYERS`].
fn chain(input: &str, segment: &Value, names: &mut Vec<(String, usize)>) -> Result<()> {
    let mut offset = segment.position;
    for name in segment.text.split('+') {
        if name.is_empty() {
            return Err(Error::Parse {
                input: input.to_owned(),
                position: offset,
                message: "empty kind name in a layer chain (expected layer+kind)".into(),
                suggestion: None,
            });
        }
        if names.len() == MAX_LAYERS {
            return Err(too_deep(input, offset));
        }
        names.push((name.to_owned(), offset));
        offset += name.len() + 1;
    }
    Ok(())
}

fn too_deep(input: &str, position: usize) -> Error {
    Error::Parse {
        input: input.to_owned(),
        position,
        message: format!(
            "too many layers: at most {MAX_LAYERS} parts may be chained (layer+...+kind)"
        ),
        suggestion: None,
    }
}

/// The scheme of `scheme://...`, if the description is written as a URL.
fn url_scheme(input: &str) -> Option<&str> {
    let (scheme, _) = input.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

/// Parses a server description with every kind linked into the program.
///
/// # Errors
/// See [`Registry::server`].
///
/// # Examples
/// ```
/// let error = endpoint_core::server_from_string("tpc:8080").unwrap_err();
/// assert!(error.to_string().starts_with("unknown server endpoint kind \"tpc\""));
/// ```
#[doc(alias = "serverFromString")]
pub fn server_from_string(description: &str) -> Result<Arc<dyn ServerEndpoint>> {
    Registry::global().server(description)
}

/// Parses a client description with every kind linked into the program.
///
/// # Errors
/// See [`Registry::client`].
#[doc(alias = "clientFromString")]
pub fn client_from_string(description: &str) -> Result<Arc<dyn ClientEndpoint>> {
    Registry::global().client(description)
}

impl InnerParser for Registry {
    fn server(&self, description: &str) -> Result<Arc<dyn ServerEndpoint>> {
        Registry::server(self, description)
    }

    fn client(&self, description: &str) -> Result<Arc<dyn ClientEndpoint>> {
        Registry::client(self, description)
    }

    fn egress(&self) -> Option<&EgressPolicy> {
        Registry::egress(self)
    }
}

impl Kind {
    /// Splits `description` and collects this kind's arguments, as a concrete endpoint's
    /// `FromStr` needs. The description must be of this kind, without layers.
    ///
    /// # Errors
    /// [`Error::Parse`](crate::Error::Parse) or [`Error::UnknownKind`](crate::Error::UnknownKind)
    /// when the text is not a description of this kind.
    pub fn args(&self, description: &str) -> Result<Args> {
        let mut registry = Registry::new();
        registry.register(*self);
        let plan = registry.plan(self.side(), description)?;
        Ok(plan.base_args)
    }
}
