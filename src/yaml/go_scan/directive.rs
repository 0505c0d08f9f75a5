//! A directive line (`%` at column 0) as go-yaml v2 scans it
//! (`scannerc.go`: `yaml_parser_scan_directive` and the functions it
//! calls), where this parser reads the line otherwise: as text of a
//! top-level block scalar, whose lines go-yaml indents at least 1
//! (`yaml_parser_scan_block_scalar_breaks`). Each refusal is go-yaml's
//! message for it.

use super::Scan;
use super::scalars::is_alpha;

/// go-yaml's `width`: the length of the UTF-8 sequence a leading octet
/// starts, or 0 for an octet that starts none.
fn width(octet: u8) -> usize {
    match octet {
        _ if octet & 0x80 == 0x00 => 1,
        _ if octet & 0xE0 == 0xC0 => 2,
        _ if octet & 0xF0 == 0xE0 => 3,
        _ if octet & 0xF8 == 0xF0 => 4,
        _ => 0,
    }
}

/// go-yaml's `as_hex`, of a byte known to be a hex digit.
fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => c - b'a' + 10,
    }
}

impl Scan<'_> {
    /// The directive at the `%` here (`yaml_parser_scan_directive`, its name
    /// as `yaml_parser_scan_directive_name` reads it), read to the end of
    /// its line (not past its line break); go-yaml's message where it
    /// refuses it.
    pub(super) fn directive_line(&mut self) -> Result<(), &'static str> {
        self.skip();
        let start = self.i;
        while is_alpha(self.at(0)) {
            self.skip();
        }
        if self.i == start {
            return Err("could not find expected directive name");
        }
        if !self.blankz_at(0) {
            return Err("found unexpected non-alphabetical character");
        }
        match &self.c[start..self.i] {
            b"YAML" => self.version()?,
            b"TAG" => self.tag_directive()?,
            _ => return Err("found unknown directive name"),
        }
        self.skip_blanks();
        if self.at(0) == b'#' {
            self.skip_to_break();
        }
        if !(self.end() || self.is_break()) {
            return Err("did not find expected comment or line break");
        }
        Ok(())
    }

    fn skip_blanks(&mut self) {
        while self.is_blank() {
            self.skip();
        }
    }

    /// `yaml_parser_scan_version_directive_value`: `MAJOR.MINOR`, each of
    /// one or two digits.
    fn version(&mut self) -> Result<(), &'static str> {
        self.skip_blanks();
        self.version_number()?;
        if self.at(0) != b'.' {
            return Err("did not find expected digit or '.' character");
        }
        self.skip();
        self.version_number()
    }

    /// `yaml_parser_scan_version_directive_number`.
    fn version_number(&mut self) -> Result<(), &'static str> {
        let mut length = 0;
        while self.at(0).is_ascii_digit() {
            length += 1;
            if length > 2 {
                return Err("found extremely long version number");
            }
            self.skip();
        }
        if length == 0 {
            return Err("did not find expected version number");
        }
        Ok(())
    }

    /// `yaml_parser_scan_tag_directive_value`: a handle (`!`, `!!` or
    /// `!name!`: `yaml_parser_scan_tag_handle` for a directive), blanks, a
    /// prefix (`yaml_parser_scan_tag_uri`), then a blank or the line's end.
    fn tag_directive(&mut self) -> Result<(), &'static str> {
        self.skip_blanks();
        if self.at(0) != b'!' {
            return Err("did not find expected '!'");
        }
        self.skip();
        let mut named = false;
        while is_alpha(self.at(0)) {
            named = true;
            self.skip();
        }
        if self.at(0) == b'!' {
            self.skip();
        } else if named {
            return Err("did not find expected '!'");
        }
        if !self.is_blank() {
            return Err("did not find expected whitespace");
        }
        self.skip_blanks();
        let start = self.i;
        self.tag_uri()?;
        if self.i == start {
            return Err("did not find expected tag URI");
        }
        if !self.blankz_at(0) {
            return Err("did not find expected whitespace or line break");
        }
        Ok(())
    }

    /// The characters of a tag URI (`yaml_parser_scan_tag_uri`), each `%`
    /// escape checked: a directive's prefix, and a node's tag after its `!`.
    pub(super) fn tag_uri(&mut self) -> Result<(), &'static str> {
        while is_alpha(self.at(0)) || b";/?:@&=+$,.!~*'()[]%".contains(&self.at(0)) {
            if self.at(0) == b'%' {
                self.uri_escape()?;
            } else {
                self.skip();
            }
        }
        Ok(())
    }

    /// `yaml_parser_scan_uri_escapes`: `%XX` octets that make one UTF-8
    /// character.
    fn uri_escape(&mut self) -> Result<(), &'static str> {
        let mut left = None;
        loop {
            if !(self.at(0) == b'%'
                && self.at(1).is_ascii_hexdigit()
                && self.at(2).is_ascii_hexdigit())
            {
                return Err("did not find URI escaped octet");
            }
            let octet = (hex(self.at(1)) << 4) | hex(self.at(2));
            let n = match left {
                None if width(octet) == 0 => return Err("found an incorrect leading UTF-8 octet"),
                None => width(octet),
                Some(_) if octet & 0xC0 != 0x80 => {
                    return Err("found an incorrect trailing UTF-8 octet");
                }
                Some(n) => n,
            };
            (0..3).for_each(|_| self.skip());
            if n == 1 {
                return Ok(());
            }
            left = Some(n - 1);
        }
    }
}
