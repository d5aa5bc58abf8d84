//! `explain ID`.

use std::path::PathBuf;
use std::process::ExitCode;

use ipc_conformance::report::render_explanation;

use super::{load, usage_error};

/// `explain`: find the scenario by id and print it in words.
pub(super) fn explain(id: &str, paths: Vec<PathBuf>) -> ExitCode {
    let scenarios = match load(paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match scenarios.iter().find(|s| s.id == id) {
        Some(s) => {
            print!("{}", render_explanation(s));
            ExitCode::SUCCESS
        }
        None => {
            let near: Vec<&str> = scenarios
                .iter()
                .map(|s| s.id.as_str())
                .filter(|x| x.contains(id) || id.contains(x.split("::").last().unwrap_or(x)))
                .take(5)
                .collect();
            if near.is_empty() {
                usage_error(format!("no scenario `{id}` (see `list`)"))
            } else {
                usage_error(format!(
                    "no scenario `{id}`; did you mean {}?",
                    near.join(", ")
                ))
            }
        }
    }
}
