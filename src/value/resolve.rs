//! Plain scalars resolved as go-yaml v2 resolves them (`resolve.go`,
//! `resolve`): null, booleans, integers, floats and timestamps, path by
//! path; what none of them takes is a string.

use super::Value;

/// What a plain scalar means to go-yaml v2.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    Value(Value),
    /// The merge key `<<`.
    Merge,
}

/// go-yaml v2's `resolve` for a plain, untagged scalar.
pub fn resolve_plain(s: &str) -> Resolved {
    resolve_plain_unless_string(s).unwrap_or_else(|| Resolved::Value(Value::Str(s.to_string())))
}

/// [`resolve_plain`], with `None` for a string (the caller has its text).
pub fn resolve_plain_unless_string(s: &str) -> Option<Resolved> {
    if let Some(k) = keyword(s) {
        return Some(k);
    }
    match s.as_bytes()[0] {
        b'.' => go_parse_float_dot(s).map(|f| Resolved::Value(Value::Float(f))),
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s).map(Resolved::Value),
        _ => None,
    }
}

/// Whether go-yaml v2 reads the plain scalar `s` as something other than
/// a string by its text alone (null, a boolean, a special float, the merge
/// key): for text starting with a letter, `_` or `/`, the only way it is
/// not a string.
pub fn is_keyword(s: &str) -> bool {
    keyword(s).is_some()
}

/// The plain scalars go-yaml v2 resolves by their whole text.
fn keyword(s: &str) -> Option<Resolved> {
    let v = match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        "<<" => return Some(Resolved::Merge),
        _ => return None,
    };
    Some(Resolved::Value(v))
}

/// The text with its underscores (digit separators to go-yaml v2) left
/// out; borrowed when it has none.
fn without_underscores(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('_') {
        s.chars().filter(|&c| c != '_').collect::<String>().into()
    } else {
        s.into()
    }
}

/// A number, or `None` for text go-yaml v2 keeps as a string.
fn resolve_number(s: &str) -> Option<Value> {
    if is_timestamp(s) {
        // go-yaml v2 keeps timestamps as strings when reading into interface{}.
        return None;
    }
    let plain = without_underscores(s);
    if let Some(i) = go_parse_int_base0(&plain) {
        return Some(Value::Int(i));
    }
    // go_parse_float applies the yamlStyleFloat pattern itself.
    go_parse_float(&plain).map(Value::Float)
}

/// `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)`:
/// optional sign (ParseInt only), then `0x`/`0o`/`0b` prefix, a leading `0`
/// for octal, or decimal. Underscores were already removed by the caller.
fn go_parse_int_base0(s: &str) -> Option<i128> {
    let (neg, signed, rest) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let b = rest.as_bytes();
    let (radix, digits) = if b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X') {
        (16, &rest[2..])
    } else if b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'o' | b'O') {
        (8, &rest[2..])
    } else if b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'b' | b'B') {
        (2, &rest[2..])
    } else if b.len() >= 2 && b[0] == b'0' {
        (8, &rest[1..])
    } else {
        (10, rest)
    };
    if digits.is_empty() || !digits.bytes().all(|c| (c as char).is_digit(radix)) {
        return None;
    }
    let mut n: i128 = 0;
    for c in digits.bytes() {
        n = n * radix as i128 + (c as char).to_digit(radix)? as i128;
        if n > u64::MAX as i128 {
            return None;
        }
    }
    if neg {
        n = -n;
    }
    // ParseInt takes the int64 range; ParseUint the rest of uint64, unsigned only.
    let int64 = n >= i64::MIN as i128 && n <= i64::MAX as i128;
    let uint64 = !signed && n <= u64::MAX as i128;
    (int64 || uint64).then_some(n)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms go-yaml passes it: a
/// value out of range is an error in Go (and so a string in YAML).
fn go_parse_float(s: &str) -> Option<f64> {
    if !is_yaml_style_float(s) {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// go-yaml v2's `.` path (`resolve`, `case '.'`): `strconv.ParseFloat` of
/// the text as it is, with no `yamlStyleFloat` check and no underscores
/// removed first, so Go's own rule for underscores applies: between digits
/// only (`strconv.underscoreOK`). `.29_9` is 0.299; `._5` and `.5_` are
/// strings.
fn go_parse_float_dot(s: &str) -> Option<f64> {
    let mut last = b'^';
    for &b in s.as_bytes() {
        last = match b {
            b'0'..=b'9' => b'0',
            b'_' if last != b'0' => return None,
            b'_' => b'_',
            _ if last == b'_' => return None,
            _ => b'!',
        };
    }
    if last == b'_' {
        return None;
    }
    let plain = without_underscores(s);
    go_parse_float(&plain)
}

/// go-yaml v2's timestamp check: four digits, `-`, then one of the accepted
/// layouts. Whether the date is valid does not matter here: a timestamp-shaped
/// string is a string either way.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}
