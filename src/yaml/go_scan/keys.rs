//! Simple keys and block indentation, kept as go-yaml keeps them
//! (`yaml_parser_save_simple_key`, `yaml_parser_roll_indent`, …), and the
//! indicators that change them: `-`, `?` and `:`.

use super::{Scan, Stop, no_colon, refused};

/// A possible simple key: where it starts, and whether it must be one (in
/// the block context at the indentation column).
#[derive(Clone, Copy)]
pub(super) struct Key {
    pub(super) n: usize,
    pub(super) line: usize,
    pub(super) col: usize,
    pub(super) required: bool,
}

/// What go-yaml keeps per flow level (the block context is level 0).
#[derive(Clone, Copy, Default)]
pub(super) struct Level {
    pub(super) key: Option<Key>,
    /// A `?` started the current entry's key.
    pub(super) explicit: bool,
}

impl Scan<'_> {
    pub(super) fn level(&mut self) -> &mut Level {
        self.levels
            .last_mut()
            .expect("the block level is never popped")
    }

    /// `yaml_simple_key_is_valid`: a key is possible only on its line and
    /// within 1,024 characters; past that a required one is an error.
    pub(super) fn stale_key(&mut self) -> Result<(), Stop> {
        let (n, line) = (self.n, self.line);
        let level = self.level();
        if let Some(key) = level.key
            && (key.line < line || key.n + 1024 < n)
        {
            level.key = None;
            if key.required {
                return Err(no_colon(key));
            }
        }
        Ok(())
    }

    /// A node ended here: at the top, it may be the root.
    pub(super) fn node_done(&mut self) {
        if self.flow == 0 && self.indent < 0 {
            self.node_at_top = true;
        }
    }

    pub(super) fn roll(&mut self, col: usize) {
        if self.flow == 0 && self.indent < col as isize {
            self.indents.push(self.indent);
            self.indent = col as isize;
        }
    }

    pub(super) fn unroll(&mut self, col: isize) {
        if self.flow > 0 {
            return;
        }
        while self.indent > col {
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    pub(super) fn save_key(&mut self) -> Result<(), Stop> {
        if !self.allowed {
            return Ok(());
        }
        let key = Key {
            n: self.n,
            line: self.line,
            col: self.col,
            required: self.flow == 0 && self.indent == self.col as isize,
        };
        self.remove_key()?;
        self.level().key = Some(key);
        Ok(())
    }

    /// A scalar, anchor, alias or tag starts here: it may start a simple
    /// key, and none can start right after it. Returns where it starts.
    pub(super) fn token_that_may_be_a_key(&mut self) -> Result<usize, Stop> {
        self.save_key()?;
        self.allowed = false;
        Ok(self.i)
    }

    pub(super) fn remove_key(&mut self) -> Result<(), Stop> {
        match self.level().key.take() {
            Some(key) if key.required => Err(no_colon(key)),
            _ => Ok(()),
        }
    }

    /// `[` or `{`: a collection that may be a simple key, and a new level.
    pub(super) fn flow_start(&mut self) -> Result<(), Stop> {
        self.save_key()?;
        self.flow += 1;
        self.levels.push(Level::default());
        self.allowed = true;
        self.skip();
        Ok(())
    }

    /// `]` or `}`.
    pub(super) fn flow_end(&mut self) -> Result<(), Stop> {
        self.remove_key()?;
        if self.flow == 0 {
            return Err(Stop::Unmodelled);
        }
        self.flow -= 1;
        self.levels.pop();
        self.allowed = false;
        self.skip();
        self.node_done();
        Ok(())
    }

    /// `,`.
    pub(super) fn flow_entry(&mut self) -> Result<(), Stop> {
        self.remove_key()?;
        self.level().explicit = false;
        self.allowed = true;
        self.skip();
        Ok(())
    }

    /// `-` (a block entry) or `?` (a key).
    pub(super) fn indicator(&mut self, key: bool) -> Result<(), Stop> {
        if self.flow == 0 {
            if !self.allowed {
                let what = if key {
                    "mapping keys"
                } else {
                    "block sequence entries"
                };
                return Err(refused(
                    self.line,
                    format!(
                        "a `{}` right after a value on its line: Go's YAML reader refuses the document (\"{what} are not allowed in this context\")",
                        self.at(0) as char
                    ),
                ));
            }
            self.roll(self.col);
        } else if !key {
            return Err(Stop::Unmodelled);
        }
        self.remove_key()?;
        if key {
            self.level().explicit = true;
        }
        self.allowed = !key || self.flow == 0;
        self.skip();
        Ok(())
    }

    /// `:`: the value of the possible simple key, or of an explicit key.
    pub(super) fn value(&mut self) -> Result<(), Stop> {
        let level = *self.level();
        match level.key {
            Some(key) => {
                self.roll(key.col);
                self.level().key = None;
                self.allowed = false;
            }
            None => {
                if self.flow == 0 {
                    if !self.allowed {
                        return Err(refused(
                            self.line,
                            "a `:` with no key before it on its line: Go's YAML reader refuses the document (\"mapping values are not allowed in this context\"); write the key and its `:` on one line".into(),
                        ));
                    }
                    self.roll(self.col);
                } else if !level.explicit {
                    return Err(refused(
                        self.line,
                        "a `:` in a flow collection with no key before it, or after a key that does not end on its line within 1024 characters: Go's YAML reader takes no key there and refuses the document; write the key on one line, or after `? `".into(),
                    ));
                }
                self.allowed = self.flow == 0;
            }
        }
        self.level().explicit = false;
        self.skip();
        Ok(())
    }
}
