//! Errors of loading a scenario: every one names the file, line and column (or, for a
//! scenario made in Rust, the scenario).

use std::ops::Range;
use std::path::{Path, PathBuf};

/// A scenario could not be loaded. Nothing runs when this happens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid scenario.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// One-based line of the offending text.
        line: usize,
        /// One-based column (in characters) of the offending text.
        column: usize,
        /// What is wrong and what was expected there, on one line.
        message: String,
    },
    /// Two files give the same scenario id (their mechanism and file name): one would
    /// shadow the other in `explain` and in reports.
    #[error(
        "{}:1:1: the scenario id `{id}` is already {}'s: two files of one mechanism need different names",
        second.display(),
        first.display()
    )]
    DuplicateId {
        /// The id.
        id: String,
        /// The file that has it first.
        first: PathBuf,
        /// The file that has it again.
        second: PathBuf,
    },
    /// Several files could not be loaded: each one's error, one per line, in the order
    /// the files were read. Nothing runs.
    #[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several {
        /// The errors, none of them `Several`.
        errors: Vec<LoadError>,
    },
    /// A scenario made with [`ScenarioBuilder`](crate::scenario::ScenarioBuilder) is not
    /// valid: it has no file to point into, so the error names the scenario.
    #[error("{id}: {message}")]
    Invalid {
        /// The scenario's id.
        id: String,
        /// What is wrong, on one line.
        message: String,
    },
}

impl LoadError {
    /// The errors of `errors` as one: `None` when there are none, the error itself when
    /// there is one.
    pub(crate) fn gather(mut errors: Vec<LoadError>) -> Option<LoadError> {
        match errors.len() {
            0 | 1 => errors.pop(),
            _ => Some(LoadError::Several { errors }),
        }
    }

    /// Each error this one holds (itself, unless it is [`LoadError::Several`]), each of
    /// which prints on one line.
    pub fn each(&self) -> impl Iterator<Item = &LoadError> {
        match self {
            LoadError::Several { errors } => errors.iter(),
            one => std::slice::from_ref(one).iter(),
        }
    }

    /// A file that is not UTF-8 text, located at its first byte that is not.
    pub(crate) fn not_utf8(path: &Path, e: std::string::FromUtf8Error) -> Self {
        let valid = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let (line, column) = line_column(&before, valid);
        LoadError::Malformed {
            path: path.to_path_buf(),
            line,
            column,
            message: format!(
                "byte 0x{:02x} is not UTF-8: a scenario file is UTF-8 text",
                e.as_bytes()[valid]
            ),
        }
    }

    pub(crate) fn malformed(path: &Path, text: &str, span: Range<usize>, message: String) -> Self {
        let (line, column) = line_column(text, span.start);
        LoadError::Malformed {
            path: path.to_path_buf(),
            line,
            column,
            message: one_line(&message),
        }
    }
}

/// A problem found in the model, with the byte span of the text it concerns.
#[derive(Debug)]
pub(crate) struct Located {
    pub span: Range<usize>,
    pub message: String,
}

impl Located {
    pub fn new(span: Range<usize>, message: String) -> Self {
        Located { span, message }
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 7), (2, 4));
        assert_eq!(line_column(text, 100), (3, 2));
    }
}
