//! The YAML reader: styles, tags, limits, and what it reads as Go does.

use super::*;

fn read(s: &str) -> Result<Option<Node<'_>>, ReadError> {
    read_document(s, Limits::default())
}

/// What go-yaml v2 reads and YAML 1.2 refuses is read as Go reads it;
/// what both refuse stays refused. (Each line checked with
/// `.tools/go-yaml2json`; the golden case
/// `yaml/go-reads-a-tab-after-a-colon-and-an-escaped-quote` checks the
/// output against Go under CI.)
#[test]
fn reads_a_tab_after_a_colon_and_an_escaped_quote_as_go_does() {
    let scalar = |s: &str, path: &[&str]| -> String {
        let v = crate::value::from_node(read(s).unwrap().unwrap()).unwrap();
        v.at(path)
            .and_then(crate::value::Value::as_str)
            .unwrap()
            .to_string()
    };
    assert_eq!(scalar("b:\tx\n", &["b"]), "x");
    assert_eq!(scalar("a:\t\tb\n", &["a"]), "b");
    assert_eq!(scalar("a:\n  b:\tc\n", &["a", "b"]), "c");
    assert_eq!(scalar("x: {a:\t1, b: \"it\\'s\"}\n", &["x", "b"]), "it's");
    assert_eq!(scalar("k: \"a:\tb\"\n", &["k"]), "a:\tb");
    // Tabs and indentation inside a quoted scalar's continuation lines
    // fold away; go-yaml takes them.
    assert_eq!(scalar("a: \"x\n\ty\"\n", &["a"]), "x y");
    assert_eq!(
        scalar("m:\n  a: 'it''s\n\tfine'\n", &["m", "a"]),
        "it's fine"
    );
    assert_eq!(scalar("m:\n  a: \"x\\\"\ny\"\n", &["m", "a"]), "x\" y");
    assert_eq!(scalar("m:\n  a: \"x\n\n\ty\"\n", &["m", "a"]), "x\ny");
    // Tabs starting a line inside a flow collection are blanks to Go.
    assert_eq!(scalar("a: {\n\tb: x}\n", &["a", "b"]), "x");
    // In a flow collection `?` is a key indicator to Go even with no blank
    // after it; YAML 1.2 reads a plain `?c`.
    assert_eq!(scalar("x: {a: 1,?c: z}\n", &["x", "c"]), "z");
    // Go refuses these too.
    assert!(read("a:\n\tb: 1\n").is_err());
    assert!(read("a: \"[x\"\nb:\n\tc: 1\n").is_err());
    assert!(read("? k\n:\tv\n").is_err());
    assert!(read("a: b:\tc\n").is_err());
    assert!(read("k: \"\\x\"\n").is_err());
    assert!(read("k: \"\\q\"\n").is_err());
}

#[test]
fn reads_styles_and_tags() {
    let n = read("---\na: 1\nb: 'x'\nc: |\n  t\nd: !!str 5\n")
        .unwrap()
        .unwrap();
    assert_eq!(
        n.get("a"),
        Some(&Node::Scalar {
            text: "1".into(),
            style: Style::Plain,
            tag: None
        })
    );
    assert!(matches!(
        n.get("b"),
        Some(Node::Scalar {
            style: Style::Quoted,
            ..
        })
    ));
    assert!(matches!(
        n.get("c"),
        Some(Node::Scalar {
            style: Style::Block,
            ..
        })
    ));
    let Some(Node::Scalar { tag: Some(t), .. }) = n.get("d") else {
        panic!()
    };
    assert!(t.ends_with("str"), "{t}");
}

#[test]
fn empty_and_comment_documents_are_none() {
    assert_eq!(read("").unwrap(), None);
    assert_eq!(read("---\n# Source: x\n").unwrap(), None);
}

#[test]
fn aliases_expand() {
    let n = read("a: &x {b: 1}\nc: *x\n").unwrap().unwrap();
    assert_eq!(n.get("a"), n.get("c"));
}

#[test]
fn alias_bomb_is_refused() {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let e = read(&s).unwrap_err();
    assert!(e.message.contains("alias bomb"), "{}", e.message);
}

#[test]
fn deep_nesting_is_refused() {
    let s = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = read(&s).unwrap_err();
    assert!(
        e.message.starts_with("nesting deeper than"),
        "{}",
        e.message
    );
    let mut deep = String::from("a:\n");
    for i in 1..300 {
        deep.push_str(&" ".repeat(i * 2));
        deep.push_str("b:\n");
    }
    let e = read(&deep).unwrap_err();
    assert!(
        e.message.contains("nesting deeper than 256 levels"),
        "{}",
        e.message
    );
}

#[test]
fn malformed_yaml_names_the_line() {
    let e = read("a: 1\nb: [\n").unwrap_err();
    assert!(e.message.starts_with("malformed YAML"), "{}", e.message);
    assert!(e.line >= 2);
}

#[test]
fn two_documents_in_one_chunk_are_refused() {
    let e = read("a: 1\n...\nb: 2\n").unwrap_err();
    assert!(e.message.contains("second document"), "{}", e.message);
}
