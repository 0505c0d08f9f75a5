//! Unit tests of `value`.

use super::*;

fn r(s: &str) -> Value {
    match resolve_plain(s) {
        Resolved::Value(v) => v,
        Resolved::Merge => panic!("merge"),
    }
}

#[test]
fn yaml11_booleans_and_nulls() {
    for t in ["y", "Y", "yes", "on", "ON", "True"] {
        assert_eq!(r(t), Value::Bool(true), "{t}");
    }
    for t in ["n", "N", "no", "off", "FALSE"] {
        assert_eq!(r(t), Value::Bool(false), "{t}");
    }
    for t in ["", "~", "null", "NULL"] {
        assert_eq!(r(t), Value::Null, "{t}");
    }
    for t in ["yEs", "nope", "tRue", "Nil", "none", "oN"] {
        assert_eq!(r(t), Value::Str(t.into()), "{t}");
    }
}

#[test]
fn go_integers() {
    assert_eq!(r("0123"), Value::Int(83));
    assert_eq!(r("1_000"), Value::Int(1000));
    assert_eq!(r("0x_1F"), Value::Int(31));
    assert_eq!(r("0o17"), Value::Int(15));
    assert_eq!(r("0b101"), Value::Int(5));
    assert_eq!(r("-0b101"), Value::Int(-5));
    assert_eq!(r("+1"), Value::Int(1));
    assert_eq!(r("18446744073709551615"), Value::Int(u64::MAX as i128));
    assert_eq!(r("-9223372036854775808"), Value::Int(i64::MIN as i128));
    assert_eq!(r("_1"), Value::Str("_1".into()));
    assert_eq!(r("0x"), Value::Str("0x".into()));
}

#[test]
fn go_floats_and_their_fallbacks() {
    assert_eq!(r("089"), Value::Float(89.0));
    assert_eq!(r("99999999999999999999"), Value::Float(1e20));
    assert_eq!(
        r("-9223372036854775809"),
        Value::Float(-9223372036854775809.0)
    );
    assert_eq!(r(".5"), Value::Float(0.5));
    assert_eq!(r("1e3"), Value::Float(1000.0));
    assert_eq!(r("1e400"), Value::Str("1e400".into()));
    assert_eq!(r("1.2.3"), Value::Str("1.2.3".into()));
    assert_eq!(r("0x1p3"), Value::Str("0x1p3".into()));
    assert!(matches!(r(".inf"), Value::Float(f) if f.is_infinite()));
    assert_eq!(r("2001-12-14"), Value::Str("2001-12-14".into()));
    assert_eq!(
        r("2001-12-14T21:59:43.10-05:00"),
        Value::Str("2001-12-14T21:59:43.10-05:00".into())
    );
}

#[test]
fn merge_key_is_recognised() {
    assert_eq!(resolve_plain("<<"), Resolved::Merge);
}

fn conv(src: &str) -> Result<Value, String> {
    parse_for_test(src)
}

#[test]
fn keys_become_strings_like_go() {
    let v = conv("y: 1\n2: b\n'q': c\n").unwrap();
    let keys: Vec<_> = match &v {
        Value::Map(m) => m.iter().map(|(k, _)| k.as_str()).collect(),
        _ => panic!(),
    };
    assert_eq!(keys, ["true", "2", "q"]);
}

#[test]
fn duplicate_keys_after_conversion_are_refused() {
    let e = conv("a:\n  y: 1\n  on: 2\n").unwrap_err();
    assert_eq!(
        e,
        "duplicate key `true` at /a (Go keeps the last one silently; remove one)"
    );
}

#[test]
fn unfaithful_constructs_are_refused() {
    assert!(conv("a: !!int '5'\n").unwrap_err().contains("explicit tag"));
    assert!(
        conv("a: &x {b: 1}\nc:\n  <<: *x\n")
            .unwrap_err()
            .contains("merge key")
    );
    assert!(
        conv("a: .inf\n")
            .unwrap_err()
            .contains("not a finite number")
    );
    assert!(conv("? [a]\n: 1\n").unwrap_err().contains("collection"));
    assert!(conv("1.5: x\n").unwrap_err().contains("only string keys"));
    assert_eq!(
        conv("a: !!str 5\n").unwrap().get("a"),
        Some(&Value::Str("5".into()))
    );
}

#[test]
fn leading_dot_floats_take_underscores_between_digits_as_go_parse_float_does() {
    for (text, want) in [
        (".29_9", Some(0.299)),
        (".5e1_0", Some(0.5e10)),
        (".5", Some(0.5)),
        ("._5", None),
        (".5_", None),
        (".5__5", None),
        (".5_e3", None),
    ] {
        let got = match resolve_plain(text) {
            Resolved::Value(Value::Float(f)) => Some(f),
            Resolved::Value(Value::Str(s)) if s == text => None,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(got, want, "{text}");
    }
}
