//! `coverage`: the table of what the catalogue covers (`coverage::Coverage`), printed or
//! written to a file (docs/coverage.md), with the count of empty cells on standard error.

use std::path::Path;
use std::process::ExitCode;

use ipc_conformance::coverage::{Coverage, Group};
use ipc_conformance::scenario::Scenario;

/// `coverage [--write FILE]`.
pub(super) fn coverage(scenarios: &[Scenario], write: Option<&Path>) -> ExitCode {
    let table = Coverage::of(scenarios);
    let text = table.to_markdown();
    match write {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(super::EXIT_MALFORMED);
            }
        }
        None => print!("{text}"),
    }
    let per_group: Vec<String> = Group::ALL
        .into_iter()
        .map(|g| format!("{g}: {}", table.empty_cells_in(g)))
        .collect();
    eprintln!(
        "{} empty cells ({})",
        table.empty_cells(),
        per_group.join(", ")
    );
    ExitCode::SUCCESS
}
