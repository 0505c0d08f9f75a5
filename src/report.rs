//! Output formats shared by the reporting commands: aligned tables (colour
//! only when asked), JSON, and handlebars templates in strict mode.

use handlebars::Handlebars;

use crate::error::{Error, Result};

/// The output formats (`-o`). `plan` writes all four; the other reports
/// write a table or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Mermaid,
}

impl Format {
    /// For the reports that are a table or JSON: whether JSON; markdown
    /// and mermaid are an error.
    pub fn is_json(self, command: &str) -> Result<bool> {
        match self {
            Format::Table => Ok(false),
            Format::Json => Ok(true),
            Format::Markdown | Format::Mermaid => Err(Error::msg(format!(
                "{command} writes a table or JSON (-o table, -o json); markdown and mermaid are for plan"
            ))),
        }
    }
}

/// ANSI colours for table cells, used only on a terminal without NO_COLOR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    None,
    Red,
    Green,
    Yellow,
    Dim,
}

impl Colour {
    fn code(self) -> &'static str {
        match self {
            Colour::None => "",
            Colour::Red => "\x1b[31m",
            Colour::Green => "\x1b[32m",
            Colour::Yellow => "\x1b[33m",
            Colour::Dim => "\x1b[2m",
        }
    }
}

/// A table: a header and rows of cells, each cell with a colour.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<(String, Colour)>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<(String, Colour)>) {
        self.rows.push(cells);
    }

    /// Left-aligned columns two spaces apart, no trailing spaces.
    pub fn write(&self, colour: bool, out: &mut String) {
        let n = self.header.len();
        let mut width = vec![0; n];
        for (i, h) in self.header.iter().enumerate() {
            width[i] = h.chars().count();
        }
        for r in &self.rows {
            for (i, (c, _)) in r.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: Vec<(&str, Colour)>, out: &mut String| {
            let mut text = String::new();
            for (i, (c, col)) in cells.iter().enumerate() {
                let last = i + 1 == cells.len();
                if colour && *col != Colour::None {
                    text.push_str(col.code());
                    text.push_str(c);
                    text.push_str("\x1b[0m");
                } else {
                    text.push_str(c);
                }
                if !last {
                    text.extend(std::iter::repeat_n(' ', width[i] - c.chars().count() + 2));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(
            self.header
                .iter()
                .map(|h| (h.as_str(), Colour::None))
                .collect(),
            out,
        );
        for r in &self.rows {
            line(r.iter().map(|(c, col)| (c.as_str(), *col)).collect(), out);
        }
    }
}

/// Renders a handlebars `template` over `data` in strict mode: a field the
/// data does not have is an error, not an empty string. HTML escaping is
/// off (the outputs are text, Markdown and Mermaid).
pub fn template(name: &str, template: &str, data: &serde_json::Value) -> Result<String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string(name, template)
        .map_err(|e| Error::msg(format!("template {name}: {e}")))?;
    hb.render(name, data)
        .map_err(|e| Error::msg(format!("template {name}: {e}")))
}

/// `n` and the noun for it: `1 node`, `2 nodes`, `0 nodes`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Pretty JSON with a final newline.
pub fn json<T: serde::Serialize + ?Sized>(data: &T) -> String {
    let mut s = serde_json::to_string_pretty(data).expect("reports serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_colour_only_when_asked() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec![("x".into(), Colour::Red), ("1".into(), Colour::None)]);
        t.row(vec![
            ("wide cell".into(), Colour::None),
            ("".into(), Colour::None),
        ]);
        let mut plain = String::new();
        t.write(false, &mut plain);
        assert_eq!(plain, "A          LONGER\nx          1\nwide cell\n");
        let mut coloured = String::new();
        t.write(true, &mut coloured);
        assert!(coloured.contains("\x1b[31mx\x1b[0m"));
    }

    #[test]
    fn strict_templates_refuse_unknown_fields() {
        let data = serde_json::json!({"a": 1});
        assert_eq!(template("t", "{{a}}", &data).unwrap(), "1");
        let e = template("t", "{{b}}", &data).unwrap_err().to_string();
        assert!(e.contains("template t"), "{e}");
        assert_eq!(template("t", "<{{a}}>&", &data).unwrap(), "<1>&");
    }
}
