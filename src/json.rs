//! Canonical JSON: the exact bytes a deployment revision is computed over.
//!
//! Rules (also in the README, so other tools can recompute a revision):
//! - object keys sorted by their UTF-8 bytes (= by code point), no
//!   whitespace anywhere, `,` and `:` as separators;
//! - strings: UTF-8, with `"` and `\` escaped, `\b \f \n \r \t` for those
//!   controls, other characters below U+0020 as `\u00XX` (lower-case hex),
//!   everything else (including non-ASCII) as is;
//! - integers in decimal; floats as Go's `encoding/json` (and JavaScript)
//!   print them: shortest round-trip digits, plain notation from 1e-6 up to
//!   1e21, exponent notation (`1e+21`, `1e-7`) outside; an integral float is
//!   printed without a fraction, so `1.0` and `1` hash alike, as they are
//!   the same JSON to Kubernetes;
//! - `true`, `false`, `null`.
//!
//! This is exactly the JSON Go writes for the same value, except that Go also
//! escapes `<`, `>`, `&`, U+2028 and U+2029; the golden tests compare it with
//! what Go reads.
//!
//! Python's
//! `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
//! over the parsed input gives the same bytes, except for floats below 1e-4
//! and `-0` (Python writes `1e-05`, Go `0.00001`).

use crate::value::Value;

/// Writes `v` in canonical form.
pub fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            use std::fmt::Write;
            write!(out, "{i}").expect("a String takes any text");
        }
        Value::Float(f) => out.push_str(&go_float(*f)),
        Value::Str(s) => string(s, out),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => canonical_map(entries, None, out),
    }
}

/// Writes a mapping in canonical form, leaving out the entry of `skip`.
pub fn canonical_map(entries: &[(String, Value)], skip: Option<&str>, out: &mut String) {
    let kept = |e: &&(String, Value)| Some(e.0.as_str()) != skip;
    // Charts mostly write keys sorted already (Helm's `toYaml` does):
    // then they are written as they stand, without a sorted copy.
    if entries.windows(2).all(|w| w[0].0 < w[1].0) {
        write_map(entries.iter().filter(kept), out);
        return;
    }
    let mut sorted: Vec<&(String, Value)> = entries.iter().filter(kept).collect();
    sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    write_map(sorted.into_iter(), out);
}

/// Writes the entries, in key order, as an object.
fn write_map<'v>(entries: impl Iterator<Item = &'v (String, Value)>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(k, out);
        out.push(':');
        canonical(v, out);
    }
    out.push('}');
}

/// The value as `serde_json` data, for reports.
pub fn to_serde(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => match (i64::try_from(*i), u64::try_from(*i)) {
            (Ok(n), _) => J::from(n),
            (_, Ok(n)) => J::from(n),
            _ => J::String(i.to_string()),
        },
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_serde).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect()),
    }
}

/// The escapes a JSON string and YAML's double-quoted style share.
pub(crate) fn shared_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

/// A JSON string literal.
pub fn string(s: &str, out: &mut String) {
    if quoted_whole(s, |b| (b >= 0x20) & (b != b'"') & (b != b'\\'), out) {
        return;
    }
    out.push('"');
    for c in s.chars() {
        if let Some(e) = shared_escape(c) {
            out.push_str(e);
            continue;
        }
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes `s` in double quotes as it is when every byte of it is `plain`
/// (nothing to escape: most strings); else writes nothing. One pass
/// without a branch per byte, which the compiler makes vector code.
pub(crate) fn quoted_whole(s: &str, plain: impl Fn(u8) -> bool, out: &mut String) -> bool {
    if !s.bytes().fold(true, |all, b| all & plain(b)) {
        return false;
    }
    out.push('"');
    out.push_str(s);
    out.push('"');
    true
}

/// A finite float as Go's `encoding/json` writes a `float64`.
pub fn go_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest round-trip digits and exponent, e.g. "1.5e-7".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        // Plain notation: the decimal point goes after `exp + 1` digits.
        let point = exp + 1;
        let n = digits.len() as i32;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point >= n {
            format!("{}{}", digits, "0".repeat((point - n) as usize))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go_encoding_json() {
        let cases = [
            (1.0, "1"),
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123456.789, "123456.789"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "-0"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (f, want) in cases {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn keys_sorted_by_bytes_and_strings_escaped() {
        let v =
            crate::value::test_value("{b: [-3, null, false], a: \"x\\\"\\\\\\n\\u0001é\", B: {}}");
        let mut o = String::new();
        canonical(&v, &mut o);
        assert_eq!(
            o,
            "{\"B\":{},\"a\":\"x\\\"\\\\\\n\\u0001é\",\"b\":[-3,null,false]}"
        );
    }
}
