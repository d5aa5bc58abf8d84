//! The arguments of every command, with the help texts `--help` shows.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipc_conformance::driver::BlockingOracle;

const EXIT_CODES: &str = "\
Exit status:
  0  nothing failed (every scenario passed, was skipped or is a declared deviation)
  1  a scenario failed, or the harness could not run one
  2  the input was malformed (a scenario file, an argument); nothing ran";

const PLATFORM_EXIT_CODES: &str = "\
Exit status:
  0  the profile agrees with this system (rows that could not be measured are shown, not counted)
  2  the input was malformed (an unknown profile)
  3  the profile disagrees with this system: the rows marked NO";

#[derive(Parser)]
#[command(
    version,
    about = "POSIX IPC conformance scenarios, run as real forked processes",
    long_about = "POSIX IPC conformance scenarios, run as real forked processes.\n\n\
        Each scenario file (scenarios/<mechanism>/<behaviour>.toml) names processes and \
        the steps they take in lockstep; the driver forks them, plays the steps against \
        the implementation under test, decides from the kernel whether a call blocks, \
        and reports a verdict with the timeline of every process.",
    after_help = EXIT_CODES,
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Run scenarios and report a verdict for each.
    ///
    /// Prints PASS, FAIL, SKIP, DEVIATION or ERROR per scenario (a failure with its
    /// timeline) and a summary; `--format json` and `--junit FILE` give the same results
    /// for machines (docs/report-formats.md).
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// List scenarios: id and summary, filtered by mechanism, behaviour or platform.
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Explain one scenario in words.
    ///
    /// What it shows, its POSIX reference, the processes and how they relate, each step
    /// with what it checks, what each platform expects, where it is skipped, and the
    /// source that decides the macOS side.
    #[command(after_help = EXIT_CODES)]
    Explain {
        /// The scenario id, `mechanism::behaviour` (as `list` prints it).
        id: String,
        /// Show only what this platform's profile expects (`linux` or `macos`; default:
        /// both): `--platform-profile macos` reads the macOS side and its XNU source on
        /// any host.
        #[arg(long, value_name = "PLATFORM", value_parser = ["linux", "macos"])]
        platform_profile: Option<String>,
        /// Scenario files or directories to look in (default: the catalogue).
        paths: Vec<PathBuf>,
    },
    /// Measure on this system what a platform profile assumes, beside the profile's values.
    ///
    /// PIPE_BUF (fpathconf), the page size (sysconf), a new pipe's capacity and whether it
    /// grows, how many connections a listen backlog of 2 queues, SOCK_SEQPACKET,
    /// MSG_NOSIGNAL, SO_NOSIGPIPE, abstract Unix names, the longest shm name, the signal a
    /// protection fault raises, and the default socket buffer sizes. Run it first: a
    /// profile that is wrong here would make every scenario relying on it fail for that
    /// one cause.
    #[command(after_help = PLATFORM_EXIT_CODES)]
    Platform {
        /// The profile to check (`linux` or `macos`; default: the host's).
        #[arg(long, value_name = "PLATFORM", value_parser = ["linux", "macos"])]
        platform_profile: Option<String>,
    },
    /// Generate scenarios from a reference model, run them, shrink failures.
    ///
    /// Generates scenarios of a mechanism the reference models cover and runs them as
    /// real forked processes: sequences of calls checked against the reference model (and,
    /// for pipes, concurrent writers checked on what arrives); shrink each first failure
    /// and write it to scenarios/regressions/.
    #[command(after_help = EXIT_CODES)]
    Fuzz(FuzzArgs),
    /// Print, per mechanism, what the passing scenarios prove (Markdown).
    ///
    /// Runs the catalogue against the operating system.
    ///
    /// The table answers which processes may use the mechanism (related, unrelated),
    /// whether data flows both ways, how many processes take part, and whether a reader
    /// waits until data is there, each with the scenarios that prove it (Markdown).
    Matrix {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
    },
    /// Run the catalogue against every compiled-in adapter (the matrix of real crates).
    ///
    /// Writes the conformance matrix of real crates (Markdown): per crate and mechanism, passed / failed /
    /// declared deviations / skipped, and every failure with what the crate does.
    ///
    /// Exits 1 when a failure is not explained by the adapter's known failures, or a
    /// known failure did not happen. Build with `--features adapters` for every crate.
    Conformance {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
        /// Write the document to this file instead of standard output.
        #[arg(long)]
        write: Option<PathBuf>,
    },
    /// Print the table of what the catalogue covers (Markdown), its gaps as empty cells.
    ///
    /// Per group of mechanisms: every call the scenario format supports, each argument,
    /// flag or state of the object that changes what it does, the classes of value each
    /// takes, and the scenarios whose calls take each (states read from the reference
    /// models). Ends with the count of empty cells; runs nothing.
    #[command(after_help = EXIT_CODES)]
    Coverage {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
        /// Write the document to this file (docs/coverage.md) instead of standard output.
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

/// How `run` prints its results on standard output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    /// A line per scenario, the timeline of each failure, and a summary.
    Human,
    /// One JSON object per scenario per line (docs/report-formats.md); the summary
    /// goes to standard error.
    Json,
}

#[derive(Args)]
pub(super) struct RunArgs {
    /// Scenario files or directories (default: the catalogue in scenarios/).
    pub paths: Vec<PathBuf>,
    /// How blocking is decided: `kernel` (thread state from the kernel) or
    /// `timeout=DURATION` (e.g. `timeout=100ms`: blocked if not returned by then).
    #[arg(long, default_value = "kernel", value_parser = parse_oracle)]
    pub blocking_oracle: BlockingOracle,
    /// Print the timeline of passing scenarios too (failures always show theirs).
    #[arg(long)]
    pub timeline: bool,
    /// Also write every scenario's timeline as a sequence diagram to this HTML file
    /// (self-contained: inline SVG, nothing fetched).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Only scenarios whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// The implementation under test: `os` (the default) or a compiled-in adapter
    /// (`std`, `os_pipe`, …; build with `--features adapters`).
    #[arg(long, default_value = "os")]
    pub implementation: String,
    /// The output on standard output.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Also write the results as a JUnit XML file, for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Run the scenarios in this many worker processes; results are still printed in
    /// catalogue order.
    #[arg(long, short = 'j', default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Stop at the first failure (scenarios already running in other workers finish).
    #[arg(long)]
    pub fail_fast: bool,
    /// Check sizes and skips as this platform's profile says (`linux` or `macos`;
    /// default: the host's). The kernel is still the host's: this shows what a
    /// scenario expects elsewhere, it does not emulate another system.
    #[arg(long, value_name = "PLATFORM", value_parser = ["linux", "macos"])]
    pub platform_profile: Option<String>,
    /// Serve as a worker of `--jobs`: read scenario indices on standard input and write
    /// results on standard output.
    #[arg(long, hide = true)]
    pub worker: bool,
    /// Draw the diagrams in colour: what a `--jobs` worker is told when the parent's
    /// standard output is a terminal (its own is a pipe).
    #[arg(long, hide = true)]
    pub colour: bool,
}

#[derive(Args)]
pub(super) struct ListArgs {
    /// Scenario files or directories (default: the catalogue in scenarios/).
    pub paths: Vec<PathBuf>,
    /// Only this mechanism (`pipe`, `fifo`, `unix-stream`, …).
    #[arg(long)]
    pub mechanism: Option<String>,
    /// Only scenarios covering a behaviour whose slug starts with this text.
    #[arg(long, visible_alias = "tag", value_name = "SLUG_PREFIX")]
    pub behaviour: Option<String>,
    /// Only scenarios this platform's profile does not skip (`linux` or `macos`).
    #[arg(long, value_parser = ["linux", "macos"])]
    pub platform: Option<String>,
}

#[derive(Args)]
pub(super) struct FuzzArgs {
    /// The mechanism: `pipe`, `fifo`, `socketpair`, `unix-dgram`, `udp`, `unix-stream`,
    /// `unix-seqpacket`, `tcp`, `anon-shared`, `sysv-shm`, `posix-shm`, `file-mmap`,
    /// `sysv-sem` or `pshared-mutex`.
    #[arg(long, default_value = "pipe")]
    pub mechanism: String,
    /// How many cases to generate.
    #[arg(long, default_value_t = 256)]
    pub cases: u32,
    /// The seed; a random one when not given (printed, to reproduce the run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The implementation under test, as for `run`.
    #[arg(long, default_value = "os")]
    pub implementation: String,
    /// Where a shrunk failure is written.
    #[arg(long, default_value = "scenarios/regressions")]
    pub regressions: PathBuf,
    /// The most processes a generated case has (2 to 6).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(2..=6))]
    pub max_processes: u8,
    /// The most moves a generated case is made from.
    #[arg(long, default_value_t = 12)]
    pub max_moves: usize,
    /// Fuzz in this many worker processes at once: worker i takes seed SEED+i and its
    /// share of the cases, and the workers' summaries are printed in that order.
    #[arg(long, short = 'j', default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Generate the cases, and their expectations, by this platform's profile (`linux`
    /// or `macos`; default: the host's). The kernel is still the host's: on another
    /// platform's profile, failures show where the two differ, and the regression files
    /// show what the model expects there.
    #[arg(long, value_name = "PLATFORM", value_parser = ["linux", "macos"])]
    pub platform_profile: Option<String>,
}

fn parse_oracle(text: &str) -> Result<BlockingOracle, String> {
    if text == "kernel" {
        return Ok(BlockingOracle::Kernel);
    }
    let value = text
        .strip_prefix("timeout=")
        .ok_or_else(|| format!("`{text}`: expected `kernel` or `timeout=DURATION`"))?;
    let (number, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{value}`: expected a number then ms or s"))?;
    match unit {
        "ms" => Ok(BlockingOracle::Timeout(Duration::from_millis(n))),
        "s" => Ok(BlockingOracle::Timeout(Duration::from_secs(n))),
        _ => Err(format!("`{value}`: the unit must be ms or s")),
    }
}

/// The oracle as `--blocking-oracle` spells it, to hand to a worker.
pub(super) fn oracle_arg(oracle: BlockingOracle) -> String {
    match oracle {
        BlockingOracle::Kernel => "kernel".to_owned(),
        BlockingOracle::Timeout(d) => format!("timeout={}ms", d.as_millis()),
    }
}
