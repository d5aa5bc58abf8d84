//! `list`: the scenarios, filtered by mechanism, behaviour slug or platform.

use std::process::ExitCode;

use ipc_conformance::platform::PlatformProfile;
use ipc_conformance::scenario::{skip_reason, Mechanism};

use super::args::ListArgs;
use super::{load, usage_error};

/// `list`.
pub(super) fn list(args: ListArgs) -> ExitCode {
    if let Some(m) = &args.mechanism {
        if !Mechanism::ALL.iter().any(|x| x.name() == m) {
            let names: Vec<&str> = Mechanism::ALL.iter().map(|x| x.name()).collect();
            return usage_error(format!("`{m}`: the mechanisms are {}", names.join(", ")));
        }
    }
    let profile = args.platform.as_deref().and_then(PlatformProfile::by_name);
    let scenarios = match load(args.paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for s in scenarios
        .iter()
        .filter(|s| {
            args.mechanism
                .as_deref()
                .is_none_or(|m| s.mechanism.name() == m)
        })
        .filter(|s| {
            args.behaviour
                .as_deref()
                .is_none_or(|b| s.behaviours.iter().any(|x| x.starts_with(b)))
        })
        .filter(|s| profile.is_none_or(|p| skip_reason(s, p).is_none()))
    {
        println!("{:<50} {}", s.id, s.summary);
    }
    ExitCode::SUCCESS
}
