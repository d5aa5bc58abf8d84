//! Scenarios: the model, the TOML file format, validation, and a Rust builder.
//!
//! A scenario names a mechanism, the processes that take part and how they relate to the
//! object made before the fork, and ordered steps. Each step starts one action in each of
//! one or more processes and says what every one of them must do.

mod builder;
mod errno;
mod error;
mod file;
mod model;
mod suggest;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use builder::ScenarioBuilder;
pub use errno::{Errno, SignalName};
pub use error::LoadError;
pub(crate) use file::action_text;
pub use file::{to_file_text, FORMAT_VERSION};
pub use model::*;
pub use validate::skip_reason;

/// Parse one scenario from text; `path` names it in errors and gives its id.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, LoadError> {
    file::parse(path, text)
}

/// Load one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| LoadError::not_utf8(path, e))?;
    parse(path, &text)
}

/// The catalogue this crate was built with: every file of its `scenarios/` directory,
/// as `(path relative to the crate, text)`, sorted by path.
pub const CATALOGUE: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// Parse the built-in [`CATALOGUE`]. Its files are checked by this crate's own tests, so
/// an error here means a crate built from a modified copy.
pub fn catalogue() -> Result<Vec<Scenario>, LoadError> {
    CATALOGUE
        .iter()
        .map(|(path, text)| parse(Path::new(path), text))
        .collect()
}

/// Every `*.toml` below `root`, sorted, so runs list scenarios in a stable order.
pub fn find_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Load every scenario below `root` (or the one file `root` names). All files are read
/// before any runs, and a malformed file stops the whole run: the error names every
/// malformed file, each on a line of its own.
pub fn load_all(root: &Path) -> Result<Vec<Scenario>, LoadError> {
    load_roots(&[root])
}

/// Whether two paths name one file.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// [`load_all`] of each of `roots`, and no two files with one id among them all (a root
/// given twice runs its scenarios twice). Every file is read whatever the others hold, so
/// that the error names every file to fix, not only the first.
pub fn load_roots<P: AsRef<Path>>(roots: &[P]) -> Result<Vec<Scenario>, LoadError> {
    let mut all: Vec<Scenario> = Vec::new();
    let mut errors = Vec::new();
    // Each id's first file: one look per file, however often a root is given.
    let mut first_files: HashMap<String, PathBuf> = HashMap::new();
    for root in roots.iter().map(AsRef::as_ref) {
        let files = if root.is_file() {
            vec![root.to_path_buf()]
        } else {
            match find_files(root) {
                Ok(files) => files,
                Err(source) => {
                    errors.push(LoadError::Io {
                        path: root.to_path_buf(),
                        source,
                    });
                    continue;
                }
            }
        };
        for file in &files {
            let scenario = match load_file(file) {
                Ok(scenario) => scenario,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let first = first_files
                .entry(scenario.id.clone())
                .or_insert_with(|| file.clone());
            // The same file again is the same scenario, run again (a root given twice).
            if !same_file(first, file) {
                errors.push(LoadError::DuplicateId {
                    id: scenario.id,
                    first: first.clone(),
                    second: file.clone(),
                });
                continue;
            }
            all.push(scenario);
        }
    }
    match LoadError::gather(errors) {
        None => Ok(all),
        Some(error) => Err(error),
    }
}
