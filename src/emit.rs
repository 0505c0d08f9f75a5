//! Writing values as block YAML that Go reads back as the same values.
//!
//! Strings are written plain only when they are made of a conservative set of
//! characters *and* go-yaml v2 would read them back as strings (so `on`,
//! `yes`, `y`, `null`, `0123`, `1_000`, `~` are quoted). Multi-line strings
//! that are safe for it become literal blocks; anything else is
//! double-quoted with escapes. Floats are written in Rust's shortest
//! round-trip form, which go-yaml parses to the same `float64`.

use crate::value::{Value, is_keyword};

/// Writes a document body (a mapping, normally) ending with a newline.
pub fn document(value: &Value, out: &mut String) {
    match value {
        Value::Map(m) if !m.is_empty() => write_map(m, 0, false, out),
        Value::Seq(s) if !s.is_empty() => write_seq(s, 0, false, out),
        other => {
            write_inline(other, 0, out);
            out.push('\n');
        }
    }
}

/// Writes an entry of a block mapping whose keys stand at column `indent`,
/// each line ending with a newline.
pub fn entry(key: &str, value: &Value, indent: usize, out: &mut String) {
    pad(indent, out);
    write_entry(key, value, indent, out);
}

/// Writes `n` spaces.
pub fn pad(n: usize, out: &mut String) {
    const SPACES: &str = "                                ";
    let mut n = n;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

/// The bytes a plain scalar holds anywhere; `:` and ` ` it holds only
/// where [`plain_ok`] says.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@' | b'+' | b'=');
        c += 1;
    }
    t
};

fn write_map(m: &[(String, Value)], indent: usize, inline_first: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(indent, out);
        }
        write_entry(k, v, indent, out);
    }
}

/// Writes the entry `key: s` of a string whose key stands at column
/// `indent` (already padded to), ending with a newline: what [`write_entry`]
/// writes for `Value::Str(s)`.
pub fn str_entry(k: &str, s: &str, indent: usize, out: &mut String) {
    write_key(k, indent, out);
    out.push(' ');
    write_str(s, indent + 2, out);
    out.push('\n');
}

/// Writes one `key: value` entry whose key stands at column `indent`
/// (already padded to), ending with a newline.
pub fn write_entry(k: &str, v: &Value, indent: usize, out: &mut String) {
    write_key(k, indent, out);
    match v {
        Value::Map(c) if !c.is_empty() => {
            out.push('\n');
            write_map(c, indent + 2, false, out);
        }
        Value::Seq(c) if !c.is_empty() => {
            out.push('\n');
            write_seq(c, indent + 2, false, out);
        }
        other => {
            out.push(' ');
            write_inline(other, indent + 2, out);
            out.push('\n');
        }
    }
}

/// The longest key go-yaml v2 reads as an implicit (simple) key: it
/// refuses a `key:` that spans more than 1,024 characters
/// (go-yaml v2 `scannerc.go`, `yaml_simple_key_is_valid`: the `:` must
/// come within 1,024 characters of the key's start).
const SIMPLE_KEY_MAX: usize = 1024;

/// Writes `key:` (at column `indent`, already padded to); a key too long
/// to be implicit is written explicitly (`? key` then `:` on the next
/// line, at the same indentation).
pub fn write_key(k: &str, indent: usize, out: &mut String) {
    let start = out.len();
    write_string(k, out);
    let key = &out[start..];
    // The count includes the `:` and a margin for the indentation. A key
    // has at most as many characters as bytes: they are counted only for a
    // key long in bytes.
    let simple = key.len() + 2 < SIMPLE_KEY_MAX - indent
        || key.chars().count() + 2 < SIMPLE_KEY_MAX - indent;
    if !simple {
        out.insert_str(start, "? ");
        out.push('\n');
        pad(indent, out);
    }
    out.push(':');
}

fn write_seq(s: &[Value], indent: usize, inline_first: bool, out: &mut String) {
    for (i, v) in s.iter().enumerate() {
        if i > 0 || !inline_first {
            pad(indent, out);
        }
        out.push_str("- ");
        match v {
            Value::Map(c) if !c.is_empty() => write_map(c, indent + 2, true, out),
            Value::Seq(c) if !c.is_empty() => write_seq(c, indent + 2, true, out),
            other => {
                write_inline(other, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection, after `key: ` or `- `. `indent` is the
/// indentation of a literal block's content.
fn write_inline(v: &Value, indent: usize, out: &mut String) {
    match v {
        // The same text in YAML as in JSON.
        Value::Null | Value::Bool(_) | Value::Int(_) => crate::json::canonical(v, out),
        Value::Float(f) => out.push_str(&float(*f)),
        Value::Str(s) => write_str(s, indent, out),
        Value::Seq(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
    }
}

/// A string after `key: ` or `- `: a literal block (its content at column
/// `indent`) where it can be one, else one line.
fn write_str(s: &str, indent: usize, out: &mut String) {
    match s {
        s if literal_ok(s) => {
            out.push('|');
            let body = match s.strip_suffix('\n') {
                Some(b) => b,
                None => {
                    out.push('-');
                    s
                }
            };
            out.push('\n');
            let mut start = 0;
            let ends = memchr::memchr_iter(b'\n', body.as_bytes()).chain([body.len()]);
            for (i, end) in ends.enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                if end > start {
                    pad(indent, out);
                    out.push_str(&body[start..end]);
                }
                start = end + 1;
            }
        }
        s => write_string(s, out),
    }
}

/// Float text that go-yaml v2 parses back to the same `float64`.
fn float(f: f64) -> String {
    debug_assert!(f.is_finite(), "non-finite floats are refused when reading");
    format!("{f:?}")
}

/// Writes a string as a plain or double-quoted scalar (one line).
pub fn write_string(s: &str, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
    } else {
        double_quoted(s, out);
    }
}

fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return false;
    }
    let last = b[b.len() - 1];
    if last == b' ' || last == b':' {
        return false;
    }
    let ok = |(i, &c): (usize, &u8)| {
        PLAIN[usize::from(c)]
            || (c == b':' && b.get(i + 1) != Some(&b' '))
            || (c == b' ' && !matches!(b.get(i + 1), Some(b'#' | b' ')))
    };
    // Most strings hold no `:` or ` `: one look at each byte.
    if !b.iter().fold(true, |all, &c| all & PLAIN[usize::from(c)]) && !b.iter().enumerate().all(ok)
    {
        return false;
    }
    // Starting with a letter, `_` or `/`, it is a string to go-yaml unless
    // it is one of its keywords (`resolve_plain`).
    !is_keyword(s)
}

fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// A literal block is used for multi-line text whose lines need no escapes,
/// carry no leading or trailing white space that a reader could trim, and end
/// with at most one line break.
fn literal_ok(s: &str) -> bool {
    if !s.contains('\n') || s.ends_with("\n\n") || s.starts_with(' ') || s.starts_with('\n') {
        return false;
    }
    // Printable ASCII and line breaks (JSON in a ConfigMap, most text):
    // only a blank before a line break, or at the end, can spoil it.
    let ascii_line = |b: u8| (b' '..=b'~').contains(&b) | (b == b'\n');
    if s.bytes().fold(true, |all, b| all & ascii_line(b)) {
        return !s.ends_with(' ') && memchr::memmem::find(s.as_bytes(), b" \n").is_none();
    }
    s.split('\n').all(|line| {
        !line.ends_with(' ')
            && (line.bytes().all(|b| (0x20..0x7F).contains(&b)) || line.chars().all(printable))
    })
}

fn double_quoted(s: &str, out: &mut String) {
    // Printable ASCII but `"` and `\` (hex digests, numbers as strings).
    let plain = |b: u8| (b' '..=b'~').contains(&b) & (b != b'"') & (b != b'\\');
    if crate::json::quoted_whole(s, plain, out) {
        return;
    }
    out.push('"');
    for c in s.chars() {
        if let Some(e) = crate::json::shared_escape(c) {
            out.push_str(e);
            continue;
        }
        match c {
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        let mut o = String::new();
        write_string(v, &mut o);
        o
    }

    #[test]
    fn the_literal_block_test_agrees_with_its_line_by_line_rule() {
        let rule = |s: &str| {
            s.contains('\n')
                && !s.ends_with("\n\n")
                && !s.starts_with([' ', '\n'])
                && s.split('\n')
                    .all(|l| !l.ends_with(' ') && l.chars().all(printable))
        };
        // Every text of up to six characters from these.
        let alphabet = ['a', ' ', '\n', '~', '\t', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().unwrap().chars().count())
                .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for t in texts {
            assert_eq!(literal_ok(&t), rule(&t), "{t:?}");
        }
    }

    #[test]
    fn strings_go_reads_otherwise_are_quoted() {
        for t in [
            "on", "yes", "y", "N", "off", "null", "~", "0123", "1_000", "True", "", " a", "a:",
            "a #b", "-x", "1.0", "e689 ",
        ] {
            assert!(s(t).starts_with('"'), "{t} -> {}", s(t));
        }
        for t in [
            "express-e689.151",
            "tenant-123634-prod",
            "Ready",
            "fe1.fe.express",
            "a:b",
            "http://x/y",
        ] {
            assert_eq!(s(t), t);
        }
        assert_eq!(
            s("a\"b\\c\u{7}\u{1F600}"),
            "\"a\\\"b\\\\c\\u0007\u{1F600}\""
        );
    }

    #[test]
    fn a_key_too_long_for_a_simple_key_is_written_explicit_counted_in_characters() {
        let entry = |k: &str, indent: usize| {
            let mut o = String::new();
            entry(k, &Value::Int(1), indent, &mut o);
            o
        };
        // go-yaml's simple keys hold at most 1024 characters, the `:` and
        // the indentation's margin included.
        let long = "k".repeat(1100);
        assert_eq!(entry(&long, 0), format!("? {long}\n: 1\n"));
        assert_eq!(entry(&long, 2), format!("  ? {long}\n  : 1\n"));
        let fits = "k".repeat(1021);
        assert_eq!(entry(&fits, 0), format!("{fits}: 1\n"));
        // 700 characters in 1,400 bytes: simple.
        let wide = "é".repeat(700);
        assert_eq!(entry(&wide, 0), format!("\"{wide}\": 1\n"));
    }

    #[test]
    fn documents_in_block_style() {
        let v = crate::value::test_value(
            "{a: [{b: 1, c: []}, [true, null]], d: {e: 1.0}, \
             f: \"x\\n  y\\n\", g: \"x\\n\", h: \"x\\n\\n\", i: {}}",
        );
        let mut o = String::new();
        document(&v, &mut o);
        assert_eq!(
            o,
            "a:\n  - b: 1\n    c: []\n  - - true\n    - null\nd:\n  e: 1.0\nf: |\n  x\n    y\ng: |\n  x\nh: \"x\\n\\n\"\ni: {}\n"
        );
    }

    #[test]
    fn indentation_of_any_depth_is_that_many_spaces() {
        for n in [0, 1, 31, 32, 33, 64, 70] {
            let mut o = String::from("x");
            pad(n, &mut o);
            assert_eq!(o, format!("x{}", " ".repeat(n)));
        }
    }

    #[test]
    fn the_plain_byte_table_is_the_plain_byte_rule() {
        for b in 0..=255u8 {
            let rule = b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@' | b'+' | b'=');
            assert_eq!(PLAIN[usize::from(b)], rule, "{b}");
        }
        // `:` and ` ` only where they cannot end a key or start a comment.
        assert_eq!(s("a:b c"), "a:b c");
        for quoted in ["a: b", "a #b", "a  b", "a:"] {
            assert!(s(quoted).starts_with('"'), "{quoted}");
        }
    }
}
