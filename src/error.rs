//! Errors that name the document they are about.
//!
//! Every failure of a render is reported against one document of the input
//! stream (its 1-based index, source and line, kind and namespace/name when
//! known), so an SRE reading Argo CD's UI at 3 a.m. can find it.

use std::fmt;

/// Where a document sits in the input stream and what it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocRef {
    /// 1-based index of the document in the whole stream (all files).
    pub index: usize,
    /// The file it came from (`stdin` for stdin); shared by all documents
    /// of a source.
    pub source: std::sync::Arc<str>,
    /// 1-based line of the document's first line in that source.
    pub line: usize,
    /// `kind`, when it could be read.
    pub kind: Option<String>,
    /// `namespace/name` or `name`, when it could be read.
    pub name: Option<String>,
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index == 0 {
            return write!(
                f,
                "the text before the first document at {}:{}",
                self.source, self.line
            );
        }
        write!(f, "document {}", self.index)?;
        match (&self.kind, &self.name) {
            (Some(k), Some(n)) => write!(f, " ({k} {n})")?,
            (Some(k), None) => write!(f, " ({k})")?,
            (None, Some(n)) => write!(f, " ({n})")?,
            (None, None) => {}
        }
        write!(f, " at {}:{}", self.source, self.line)
    }
}

/// An error of express-waves. `doc` is set whenever one document is at fault.
#[derive(Debug)]
pub struct Error {
    pub doc: Option<DocRef>,
    pub message: String,
    pub source: Option<std::io::Error>,
}

impl Error {
    /// An error about one document.
    pub fn doc(doc: &DocRef, message: impl Into<String>) -> Error {
        Error {
            doc: Some(doc.clone()),
            message: message.into(),
            source: None,
        }
    }

    /// An error about the whole input or the invocation.
    pub fn msg(message: impl Into<String>) -> Error {
        Error {
            doc: None,
            message: message.into(),
            source: None,
        }
    }

    /// An I/O error with what was being done.
    pub fn io(what: impl Into<String>, err: std::io::Error) -> Error {
        Error {
            doc: None,
            message: what.into(),
            source: Some(err),
        }
    }
}

impl Error {
    /// The message with every cause after it, as `main` prints it.
    pub fn chain(&self) -> String {
        let mut msg = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        msg
    }

    /// Whether this is a write to a reader that went away (`| head`):
    /// not a failure, it reads nothing more.
    pub fn is_broken_pipe(&self) -> bool {
        self.source
            .as_ref()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.doc {
            Some(d) => write!(f, "{d}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
