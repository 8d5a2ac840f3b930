//! YAML scalar typing, the way Kubernetes reads it.
//!
//! kubectl and the API server read YAML with go-yaml v2 (YAML 1.1): `yes`, `on`, `y` are
//! booleans, `0755` is an octal integer, `1e3` a float. Reading plain scalars the same way
//! makes the linter see what the cluster will see; the emitter quotes every string that any
//! YAML 1.1 or 1.2 reader could retype, so what we write survives every reader.

use serde_json::{Number, Value};
use std::borrow::Cow;

/// The value of a plain (unquoted) scalar under go-yaml v2's YAML 1.1 resolution.
/// Timestamps stay strings: go-yaml turns them back into the same RFC 3339 text for JSON.
pub(crate) fn resolve_plain(text: &str) -> Value {
    // Most scalars are names: no null, boolean or number starts with their first letter.
    if text.as_bytes().first().is_some_and(|b| {
        b.is_ascii_alphabetic()
            && !matches!(b.to_ascii_lowercase(), b'n' | b'y' | b't' | b'o' | b'f')
    }) {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let starts_numeric = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
    if starts_numeric && let Some(number) = resolve_number(text) {
        return Value::Number(number);
    }
    Value::String(text.to_owned())
}

fn resolve_number(text: &str) -> Option<Number> {
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some(int) = resolve_int(&plain) {
        return Some(int);
    }
    if is_float_literal(&plain) {
        // Non-finite floats (`.inf`, `.nan`) have no JSON form; they stay strings.
        return plain.parse::<f64>().ok().and_then(Number::from_f64);
    }
    None
}

/// Integers as Go's `strconv.ParseInt(s, 0, 64)` reads them: sign, `0x`, `0o`, `0b`, and a
/// leading `0` for octal.
fn resolve_int(plain: &str) -> Option<Number> {
    let (negative, digits) = match plain.as_bytes().first()? {
        b'-' => (true, &plain[1..]),
        b'+' => (false, &plain[1..]),
        _ => (false, plain),
    };
    let (radix, body) = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, hex)
    } else if let Some(bin) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, bin)
    } else if let Some(oct) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, oct)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        let signed = 0i64.checked_sub_unsigned(magnitude)?;
        Some(Number::from(signed))
    } else {
        Some(Number::from(magnitude))
    }
}

/// go-yaml v2's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float_literal(plain: &str) -> bool {
    let bytes = plain.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let integral = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let fraction = digits(&mut i);
        if integral == 0 && fraction == 0 {
            return false;
        }
    } else if integral == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Whether some YAML reader (1.1 or 1.2: go-yaml, PyYAML, libyaml, saphyr) could read the
/// plain scalar `text` as something other than this string. Deliberately broad: a needless
/// quote costs nothing, a missing one turns `"on"` into `true` inside the cluster.
pub(crate) fn retyped_by_some_reader(text: &str) -> bool {
    if !matches!(resolve_plain(text), Value::String(_)) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "=" | "<<"
    ) || matches!(unsigned, ".inf" | ".nan")
        || looks_numeric(unsigned)
        || looks_like_timestamp(text)
}

/// Numbers in every notation some reader knows: `1.10`, `0755`, `0o17`, `1e3`, `0x1F`,
/// `1_000`, sexagesimal `1:30`. Kubernetes quantities such as `128Mi` or `500m` do not match.
fn looks_numeric(unsigned: &str) -> bool {
    let mut bytes = unsigned.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && unsigned.bytes().any(|b| b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_hexdigit() || b"xob_.:+-".contains(&b))
}

/// YAML 1.1 timestamps (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`) start with a date.
fn looks_like_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v2() {
        assert_eq!(resolve_plain("yes"), json!(true));
        assert_eq!(resolve_plain("Off"), json!(false));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("0755"), json!(493));
        assert_eq!(resolve_plain("0x1F"), json!(31));
        assert_eq!(resolve_plain("-12"), json!(-12));
        assert_eq!(resolve_plain("1_000"), json!(1000));
        assert_eq!(resolve_plain("1.10"), json!(1.1));
        assert_eq!(resolve_plain("1e3"), json!(1000.0));
        assert_eq!(resolve_plain(".inf"), json!(".inf"));
        assert_eq!(resolve_plain("128Mi"), json!("128Mi"));
        // go-yaml: not octal, but its float pattern matches.
        assert_eq!(resolve_plain("09"), json!(9.0));
        assert_eq!(resolve_plain("-"), json!("-"));
        assert_eq!(resolve_plain("."), json!("."));
        assert_eq!(resolve_plain("99999999999999999999"), json!(1e20));
    }

    #[test]
    fn strings_that_any_reader_retypes_are_detected() {
        for text in [
            "yes",
            "No",
            "ON",
            "y",
            "~",
            "NULL",
            "0755",
            "1.10",
            "1e3",
            "0x1F",
            ".inf",
            "-.Inf",
            ".NaN",
            "0o17",
            "1:30",
            "2001-12-14",
            "1_000",
            "=",
            "<<",
            "09",
        ] {
            assert!(retyped_by_some_reader(text), "{text} must be quoted");
        }
        for text in [
            "128Mi",
            "500m",
            "redis",
            "redis:7.0",
            "kubernaut-system",
            "1Gi",
        ] {
            assert!(!retyped_by_some_reader(text), "{text} may stay plain");
        }
    }
}
