//! `run`: scenarios against one implementation, in this process or in `--jobs` worker
//! processes, printed in catalogue order as text or JSON lines, optionally also as JUnit.

use std::process::ExitCode;
use std::time::Instant;

use ipc_conformance::adapters;
use ipc_conformance::driver::RunOptions;
use ipc_conformance::platform::PlatformProfile;
use ipc_conformance::scenario::Scenario;

use super::args::RunArgs;
use super::outcome::{outcome, Show};
use super::sink::Sink;
use super::{jobs, load, usage_error};

/// `run`.
pub(super) fn run(args: RunArgs) -> ExitCode {
    let adapter = match adapters::find(&args.implementation) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let scenarios: Vec<Scenario> = match load(args.paths.clone()) {
        Ok(all) => all
            .into_iter()
            .filter(|s| args.filter.as_deref().is_none_or(|f| s.id.contains(f)))
            .collect(),
        Err(code) => return code,
    };
    let profile = match args.platform_profile.as_deref() {
        Some(name) => match PlatformProfile::by_name(name) {
            Some(p) => p,
            None => return usage_error(format!("`{name}`: no such platform profile")),
        },
        None => PlatformProfile::host(),
    };
    let opts = RunOptions {
        profile,
        oracle: args.blocking_oracle,
    };
    if args.worker {
        return jobs::serve(&adapter, &scenarios, &opts, Show::of(&args));
    }
    let started = Instant::now();
    let mut sink = Sink::new(&args, scenarios.len());
    if args.jobs > 1 && scenarios.len() > 1 {
        if let Err(e) = jobs::run_parallel(&args, &scenarios, &mut sink) {
            sink.bar.finish_and_clear();
            eprintln!("error: cannot start the worker processes: {e}");
            return ExitCode::FAILURE;
        }
    } else {
        for (index, s) in scenarios.iter().enumerate() {
            sink.take(outcome(&adapter, s, index, &opts, Show::of(&args)));
            if sink.stopped {
                break;
            }
        }
    }
    sink.finish(&adapter, &opts, started)
}
