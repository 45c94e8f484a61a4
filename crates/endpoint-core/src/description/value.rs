//! Strict parsers for option values (TWISTED-COMPAT §0, divergence 1).

use std::time::Duration;

use crate::option::OptionSpec;

/// A port: ASCII decimal digits (leading zeros allowed) in 0–65535.
pub fn parse_port(text: &str) -> Result<u16, String> {
    let n = parse_integer(text)?;
    u16::try_from(n).map_err(|_| format!("is out of range: {n} (a port is 0 to 65535)"))
}

/// A non-negative integer written with ASCII decimal digits only.
pub fn parse_integer(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("is empty; expected a number".into());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "is not a number: \"{text}\" (use ASCII digits only)"
        ));
    }
    text.parse::<u64>()
        .map_err(|_| format!("is too large: \"{text}\""))
}

/// A flag in Twisted's `bool(int(x))` spelling: `0` is false, other digits are true.
pub fn parse_flag(text: &str) -> Result<bool, String> {
    parse_integer(text)
        .map(|n| n != 0)
        .map_err(|_| format!("is not a flag: \"{text}\" (use 0 or 1)"))
}

/// A file mode in octal (`660`, `0660`, `0o660`), at most `7777`.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    let digits = text
        .strip_prefix("0o")
        .or_else(|| text.strip_prefix("0O"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(format!("is not an octal mode: \"{text}\" (like 660)"));
    }
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o7777 => Ok(m),
        _ => Err(format!("is larger than 7777: \"{text}\"")),
    }
}

/// Seconds, possibly fractional (`1.5`), not negative.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let ok = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1
        && text.bytes().any(|b| b.is_ascii_digit());
    let secs: f64 = if ok {
        text.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("is not a number of seconds: \"{text}\" (like 30 or 1.5)"))
}

/// A duration for a command-line flag or a configuration value: a number with a unit (`250ms`,
/// `5s`, `1.5m`, `2h`), several of them added up (`1m30s`), or a bare number of seconds (`5`,
/// `1.5`), so flags that used to take seconds keep working.
///
/// Description options (`timeout=`) stay plain seconds, as Twisted writes them: see
/// [`parse_seconds`].
///
/// # Errors
/// A reason in the style of the other value parsers, such as
/// `is not a duration: "5x" (like 5s, 250ms, 1m or 2h; a bare number is seconds)`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use endpoint_core::description::parse_duration;
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
/// assert!(parse_duration("5 minutes").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let refuse = || {
        format!(
            "is not a duration: \"{text}\" (like 5s, 250ms, 1m or 2h; a bare number is seconds)"
        )
    };
    if let Ok(seconds) = parse_seconds(text) {
        return Ok(seconds);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err(refuse());
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(refuse)?;
        let (number, after) = rest.split_at(number_end);
        let unit_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(refuse()),
        };
        let seconds = parse_seconds(number).map_err(|_| refuse())?;
        let part =
            Duration::try_from_secs_f64(seconds.as_secs_f64() * scale).map_err(|_| refuse())?;
        total = total.checked_add(part).ok_or_else(refuse)?;
        rest = after;
    }
    Ok(total)
}

/// Formats a duration as the seconds a description takes back (`30`, `1.5`).
pub fn format_seconds(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{secs}")
    }
}

/// A type an option's text converts to, for [`Args::get`](super::Args::get) and friends.
///
/// The conversions are the strict ones above: `u16` is a port, `u32`/`u64`/`usize` are
/// integers, `bool` a flag, [`Duration`] seconds, [`Mode`] an octal mode, `Vec<String>` a
/// comma-separated list (empty text: an empty list), `String` and `PathBuf` the text itself.
pub trait FromOption: Sized {
    /// Converts `text`, or says what was expected (the error names the option around it).
    ///
    /// # Errors
    /// A reason such as `is not a port number: "http"`.
    fn from_option(text: &str) -> Result<Self, String>;
}

impl FromOption for u16 {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_port(text)
    }
}

impl FromOption for u32 {
    fn from_option(text: &str) -> Result<Self, String> {
        let n = parse_integer(text)?;
        u32::try_from(n).map_err(|_| format!("is too large: \"{text}\" (at most {})", u32::MAX))
    }
}

impl FromOption for u64 {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_integer(text)
    }
}

impl FromOption for usize {
    fn from_option(text: &str) -> Result<Self, String> {
        let n = parse_integer(text)?;
        usize::try_from(n).map_err(|_| format!("is too large: \"{text}\""))
    }
}

impl FromOption for bool {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_flag(text)
    }
}

impl FromOption for Duration {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_seconds(text)
    }
}

impl FromOption for String {
    fn from_option(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromOption for std::path::PathBuf {
    fn from_option(text: &str) -> Result<Self, String> {
        Ok(text.into())
    }
}

impl FromOption for Vec<String> {
    fn from_option(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        Ok(text.split(',').map(str::to_owned).collect())
    }
}

/// An octal file mode (`mode=660`), as an option type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode(pub u32);

impl FromOption for Mode {
    fn from_option(text: &str) -> Result<Self, String> {
        parse_mode(text).map(Mode)
    }
}

/// The default `options` declares for `name`, converted to `T`: how an endpoint's
/// constructor shares the one home of a default with its parser.
///
/// # Panics
/// When `options` declares no default for `name`, or one that does not convert to `T`: a bug
/// in the kind's own tables (a workspace test converts every declared default).
///
/// # Examples
/// ```
/// use endpoint_core::description::declared_default;
/// use endpoint_core::{OptionSpec, OptionType};
/// static OPTIONS: &[OptionSpec] =
///     &[OptionSpec::new("backlog", OptionType::Integer, "listen backlog").default("50")];
/// assert_eq!(declared_default::<u32>(OPTIONS, "backlog"), 50);
/// ```
pub fn declared_default<T: FromOption>(options: &[OptionSpec], name: &str) -> T {
    let text = options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.default)
        .unwrap_or_else(|| panic!("option {name:?} declares no default"));
    T::from_option(text).unwrap_or_else(|reason| panic!("the default of option {name:?} {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_strict() {
        assert_eq!(parse_port("080"), Ok(80));
        assert_eq!(parse_port("65535"), Ok(65535));
        for bad in [
            "", " 80", "+80", "80_0", "0x50", "80.0", "-1", "65536", "\u{661}",
        ] {
            assert!(parse_port(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn modes_are_octal() {
        assert_eq!(parse_mode("660"), Ok(0o660));
        assert_eq!(parse_mode("0660"), Ok(0o660));
        assert_eq!(parse_mode("0o660"), Ok(0o660));
        for bad in ["", "999", "-1", "+660", "7777777"] {
            assert!(parse_mode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        for bad in ["", "-1", ".", "1e3", "inf", "NaN", "1.2.3"] {
            assert!(parse_seconds(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format_seconds(Duration::from_secs(30)), "30");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5");
    }

    #[test]
    fn durations_take_units_and_bare_seconds() {
        for (text, expected) in [
            ("5", Duration::from_secs(5)),
            ("1.5", Duration::from_millis(1500)),
            ("5s", Duration::from_secs(5)),
            ("250ms", Duration::from_millis(250)),
            ("1m", Duration::from_secs(60)),
            ("1.5s", Duration::from_millis(1500)),
            ("2h", Duration::from_secs(7200)),
            ("1m30s", Duration::from_secs(90)),
            ("0s", Duration::ZERO),
        ] {
            assert_eq!(parse_duration(text), Ok(expected), "{text:?}");
        }
        for bad in [
            "", "s", "5x", "5 s", "-5s", "5S", "1e3s", "5s5", "ms", ".s", "1..2s", "5sec",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert!(error.starts_with("is not a duration: "), "{bad:?}: {error}");
        }
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("0"), Ok(false));
        assert_eq!(parse_flag("2"), Ok(true));
        assert!(parse_flag("true").is_err());
    }
}
