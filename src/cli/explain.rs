//! `explain ID`.

use std::path::PathBuf;
use std::process::ExitCode;

use ipc_conformance::platform::PlatformProfile;
use ipc_conformance::report::render_explanation_for;

use super::{load, usage_error};

/// `explain`: find the scenario by id and print it in words, as one platform's profile
/// reads it when one is named.
pub(super) fn explain(id: &str, platform_profile: Option<&str>, paths: Vec<PathBuf>) -> ExitCode {
    let only = match platform_profile {
        Some(name) => match PlatformProfile::by_name(name) {
            Some(p) => Some(p),
            None => return usage_error(format!("`{name}`: no such platform profile")),
        },
        None => None,
    };
    let scenarios = match load(paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match scenarios.iter().find(|s| s.id == id) {
        Some(s) => {
            print!("{}", render_explanation_for(s, only));
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
