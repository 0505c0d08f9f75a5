//! Splitting a multi-document YAML stream into documents, byte for byte.
//!
//! A document starts at a line that begins with `---` followed by the end of
//! the line, a space or a tab (YAML forbids such a line inside any scalar, so
//! a line scan is exact). The separator line belongs to the document it
//! opens; whatever precedes the first separator is the *preamble*.
//! Concatenating the chunks of a source gives back its bytes exactly, which is
//! how documents express-waves does not touch come out unchanged.

/// One document of one source, as raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// The whole chunk: separator line (if any), comments, body.
    pub bytes: &'a [u8],
    /// 1-based line of the chunk's first byte within its source.
    pub line: usize,
    /// Length of the separator line including its line break (0 for the
    /// preamble).
    pub separator_len: usize,
}

impl<'a> Chunk<'a> {
    /// The separator line, line break included (empty for the preamble).
    pub fn separator(&self) -> &'a [u8] {
        &self.bytes[..self.separator_len]
    }

    /// The chunk as text: valid UTF-8 without NUL bytes (YAML allows
    /// neither) and without the characters only YAML 1.1 reads as line
    /// breaks; the error names the line.
    pub fn text(&self) -> Result<&'a str, String> {
        let text = std::str::from_utf8(self.bytes).map_err(|e| {
            let line = self.bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            format!("not UTF-8: invalid byte on line {}", self.line + line)
        })?;
        // The common case, plain ASCII with tabs and LF line ends, has
        // nothing the checks below look for: one pass over the bytes.
        if plain_ascii(self.bytes) {
            return Ok(text);
        }
        let line_of = |pos: usize| self.line + text[..pos].matches('\n').count();
        if let Some(pos) = text.find('\0') {
            return Err(format!("NUL byte on line {}", line_of(pos)));
        }
        // What go-yaml's reader refuses anywhere in its input ("control
        // characters are not allowed": go-yaml v2 `readerc.go`,
        // `yaml_parser_update_buffer`), refused here too.
        if let Some((pos, c)) = text.char_indices().find(|&(_, c)| {
            !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        }) {
            return Err(format!(
                "control character U+{:04X} on line {}: Go's YAML reader refuses it (\"control characters are not allowed\")",
                c as u32,
                line_of(pos)
            ));
        }
        // A carriage return alone is a line break to both YAML readers, but
        // documents are split here (and by Helm and kubectl) at `---` lines
        // ending in LF: a stream with CR-only line endings would be read as
        // one document, or one comment, holding several.
        if let Some(pos) = text
            .match_indices('\r')
            .map(|(i, _)| i)
            .find(|&i| text.as_bytes().get(i + 1) != Some(&b'\n'))
        {
            return Err(format!(
                "line {} ends with a carriage return alone (old Mac line endings): use LF or CRLF",
                line_of(pos)
            ));
        }
        // YAML 1.1 (go-yaml, so Helm, Argo CD, kubectl) takes these for line
        // breaks (go-yaml v2 `yamlprivateh.go`, `is_break`), YAML 1.2 (this
        // reader) does not: in a comment or a quoted scalar, the two would
        // read different documents.
        if let Some(pos) = text.find(['\u{85}', '\u{2028}', '\u{2029}']) {
            let c = text[pos..].chars().next().unwrap_or_default();
            let name = match c {
                '\u{85}' => "U+0085 (NEL)",
                '\u{2028}' => "U+2028 (LINE SEPARATOR)",
                _ => "U+2029 (PARAGRAPH SEPARATOR)",
            };
            return Err(format!(
                "{name} on line {}: Go's YAML reader takes it for a line break, YAML 1.2 does not, so the document would not mean the same to both; write it escaped in a double-quoted string (\"\\u{:04x}\")",
                line_of(pos),
                c as u32
            ));
        }
        Ok(text)
    }

    /// Everything after the separator line.
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[self.separator_len..]
    }

    /// Whether the chunk holds only blank lines and comments.
    pub fn is_blank(&self) -> bool {
        is_blank_or_comments(self.body()) && separator_rest_is_blank(self.separator())
    }

    /// The leading lines of the body that are blank or comments: they are
    /// kept verbatim in front of a re-serialised document.
    pub fn leading_comments(&self) -> &'a [u8] {
        let body = self.body();
        let mut end = 0;
        for line in body.split_inclusive(|&b| b == b'\n') {
            let t = trim_ascii_start(line);
            if t.is_empty() || t[0] == b'#' || t == b"\n" || t == b"\r\n" {
                end += line.len();
            } else {
                break;
            }
        }
        &body[..end]
    }
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

fn is_blank_or_comments(s: &[u8]) -> bool {
    s.split(|&b| b == b'\n').all(|line| {
        let t = trim_ascii_start(line);
        t.is_empty() || t[0] == b'#' || t == b"\r"
    })
}

/// The length of `text`'s first line (its line break included) when it is
/// a separator with only blanks or a comment after `---`: the line Argo CD
/// (`gitops-engine/pkg/utils/kube/kube.go`, `SplitYAMLToString`, through
/// apimachinery's `pkg/util/yaml/decoder.go`, `YAMLReader.Read`) splits the
/// stream on and drops, so Go reads what follows as a stream of its own.
/// Else 0.
pub fn blank_separator_len(text: &[u8]) -> usize {
    let end = memchr::memchr(b'\n', text).map_or(text.len(), |i| i + 1);
    let line = &text[..end];
    if is_separator(line) && separator_rest_is_blank(line) {
        end
    } else {
        0
    }
}

/// Whether `bytes` hold only printable ASCII, tabs and LF.
fn plain_ascii(bytes: &[u8]) -> bool {
    // 32 bytes at a time, without a branch inside: the compiler makes it
    // vector code.
    let plain = |b: u8| (b.wrapping_sub(b' ') < 0x5F) | (b == b'\t') | (b == b'\n');
    let mut blocks = bytes.chunks_exact(32);
    for c in &mut blocks {
        if !c.iter().fold(true, |ok, &b| ok & plain(b)) {
            return false;
        }
    }
    blocks.remainder().iter().all(|&b| plain(b))
}

/// Whether what follows `---` on separator line `sep` is blanks or a
/// comment.
pub fn separator_rest_is_blank(sep: &[u8]) -> bool {
    if sep.len() < 3 {
        return true;
    }
    is_blank_or_comments(&sep[3..])
}

/// Whether `line` (without its line break) is a document separator.
pub fn is_separator(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Splits one source into chunks. The first chunk is the preamble (possibly
/// empty); every later chunk starts with its separator line.
pub fn split(input: &[u8]) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut sep_len = 0;
    // Where the lines counted so far end, and their count.
    let mut counted = 0;
    let mut line_no = 1;
    // Only a line starting `---` can be a separator: those are found
    // whole (SIMD searches), and the lines before each counted.
    let first = input.starts_with(b"---").then_some(0);
    let later = memchr::memmem::find_iter(input, b"\n---").map(|i| i + 1);
    for pos in first.into_iter().chain(later) {
        let end = memchr::memchr(b'\n', &input[pos..]).map_or(input.len(), |i| pos + i + 1);
        let line = &input[pos..end];
        if !is_separator(line) {
            continue;
        }
        line_no += memchr::memchr_iter(b'\n', &input[counted..pos]).count();
        counted = pos;
        chunks.push(Chunk {
            bytes: &input[start..pos],
            line: start_line,
            separator_len: sep_len,
        });
        start = pos;
        start_line = line_no;
        sep_len = line.len();
    }
    chunks.push(Chunk {
        bytes: &input[start..],
        line: start_line,
        separator_len: sep_len,
    });
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(chunks: &[Chunk<'_>]) -> Vec<u8> {
        chunks
            .iter()
            .flat_map(|c| c.bytes.iter().copied())
            .collect()
    }

    #[test]
    fn plain_ascii_agrees_with_the_byte_by_byte_rule_for_every_byte_at_every_place() {
        let exact = |c: &[u8]| c.iter().all(|&b| matches!(b, b'\t' | b'\n' | b' '..=b'~'));
        // Every byte value at every offset of a 70-byte line (two blocks
        // and a remainder), among plain ones and among line ends and tabs.
        for fill in [b'a', b'\n', b'\t', b'~', b' '] {
            for at in 0..70 {
                for b in 0..=255u8 {
                    let mut line = vec![fill; 70];
                    line[at] = b;
                    assert_eq!(super::plain_ascii(&line), exact(&line), "{b:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn chunks_concatenate_to_the_input() {
        for input in [
            "",
            "a: 1\n",
            "---\na: 1\n---\nb: 2",
            "# c\n---\n# Source: x\na: 1\n--- \n---\n",
            "a: |\n  ---\n---x: 1\n----\n",
            "a: 1\r\n---\r\nb: 2\r\n",
        ] {
            assert_eq!(
                join(&split(input.as_bytes())),
                input.as_bytes(),
                "{input:?}"
            );
        }
    }

    /// Every line checked in turn: what `split` finds with its searches.
    fn split_line_by_line(input: &[u8]) -> Vec<(usize, usize, usize)> {
        let (mut chunks, mut start, mut start_line, mut sep_len) = (Vec::new(), 0, 1, 0);
        let mut pos = 0;
        for (n, line) in input.split_inclusive(|&b| b == b'\n').enumerate() {
            if is_separator(line) {
                chunks.push((start, start_line, sep_len));
                (start, start_line, sep_len) = (pos, n + 1, line.len());
            }
            pos += line.len();
        }
        chunks.push((start, start_line, sep_len));
        chunks
    }

    #[test]
    fn separators_found_by_search_are_those_a_line_by_line_walk_finds() {
        // Every arrangement of four lines drawn from separator and
        // near-separator lines, with and without a final line break.
        let lines: [&[u8]; 7] = [b"---", b"--- # c", b"----", b" ---", b"a: 1", b"---\t", b""];
        let mut inputs = Vec::new();
        for i in 0..lines.len().pow(4) {
            let mut input = Vec::new();
            for k in 0..4 {
                input.extend_from_slice(lines[i / lines.len().pow(k) % lines.len()]);
                input.push(b'\n');
            }
            inputs.push(input.clone());
            input.pop();
            inputs.push(input);
        }
        for input in inputs {
            let found: Vec<_> = split(&input)
                .iter()
                .map(|c| {
                    (
                        c.bytes.as_ptr() as usize - input.as_ptr() as usize,
                        c.line,
                        c.separator_len,
                    )
                })
                .collect();
            assert_eq!(
                found,
                split_line_by_line(&input),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn separators_are_only_three_dashes_at_column_zero() {
        let chunks = split(b"a: 1\n --- \n---x\n----\n---\t# c\nb: 2\n");
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].separator(), b"---\t# c\n");
        assert_eq!(chunks[1].body(), b"b: 2\n");
        assert_eq!(chunks[1].line, 5);
    }

    #[test]
    fn leading_comments_and_blank_chunks() {
        let chunks = split(b"---\n# Source: a\n\napiVersion: v1\n# tail\n---\n# only\n");
        assert_eq!(chunks[1].leading_comments(), b"# Source: a\n\n");
        assert!(!chunks[1].is_blank());
        assert!(chunks[2].is_blank());
        assert!(chunks[0].is_blank());
    }
}
