//! The command line: the arguments (`args.rs`) and one file per command family.
//!
//! `run` runs scenarios here (`run.rs`) or in worker processes (`jobs.rs`); both make
//! an [`outcome::Outcome`] per scenario and hand it to the [`sink::Sink`], so the arrow
//! points one way: run → jobs → outcome, sink.

mod args;
mod coverage;
mod explain;
mod fuzz;
mod jobs;
mod list;
mod outcome;
mod platform;
mod run;
mod sink;
mod tables;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::io::IsTerminal;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ipc_conformance::scenario::{self, Scenario};

use args::{Cli, Command};

/// Exit status when the input was malformed (a scenario file, an argument) and nothing ran.
const EXIT_MALFORMED: u8 = 2;

/// A progress bar of `total` scenarios on standard error, in `template` (indicatif's),
/// drawn only for a person watching: hidden when standard error is not a terminal, so
/// logs and pipes get nothing extra.
fn progress_bar(total: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
    bar
}

/// Parse the arguments and run the command.
pub fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(args) => run::run(args),
        Command::List(args) => list::list(args),
        Command::Explain {
            id,
            platform_profile,
            paths,
        } => explain::explain(&id, platform_profile.as_deref(), paths),
        Command::Fuzz(args) => fuzz::fuzz(args),
        Command::Platform { platform_profile } => platform::platform(platform_profile.as_deref()),
        Command::Conformance { paths, write } => match load(paths) {
            Ok(scenarios) => tables::conformance(&scenarios, write.as_deref()),
            Err(code) => code,
        },
        Command::Coverage { paths, write } => match load(paths) {
            Ok(scenarios) => coverage::coverage(&scenarios, write.as_deref()),
            Err(code) => code,
        },
        Command::Matrix { paths } => match load(paths) {
            Ok(scenarios) => tables::matrix(&scenarios),
            Err(code) => code,
        },
    }
}

/// The catalogue: ./scenarios when run from a checkout, else the one this binary was
/// built from.
fn default_roots(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths;
    }
    let local = Path::new("scenarios");
    if local.is_dir() {
        vec![local.to_path_buf()]
    } else {
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")]
    }
}

/// Every scenario under `paths` (default: the catalogue), or exit status 2 when one is
/// malformed, after an error line for each malformed file.
fn load(paths: Vec<PathBuf>) -> Result<Vec<Scenario>, ExitCode> {
    scenario::load_roots(&default_roots(paths)).map_err(|e| {
        for error in e.each() {
            eprintln!("error: {error}");
        }
        ExitCode::from(EXIT_MALFORMED)
    })
}

/// A usage error found after parsing: printed, exit status 2.
fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_MALFORMED)
}
