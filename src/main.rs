//! The `ipc-conformance` command line: run the scenario catalogue (or given files)
//! against the operating system and print a verdict per scenario and a summary.
//!
//! Exit codes: 0 every scenario passed or was skipped; 1 at least one failed (or the
//! harness could not run one); 2 the input was malformed and nothing ran.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use ipc_conformance::adapters::{self, Adapter};
use ipc_conformance::driver::{run_scenario, BlockingOracle, RunOptions};
use ipc_conformance::fuzz::{write_regression, Finding, FuzzOptions, Property};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::model::PlatformProfile;
use ipc_conformance::report::{
    matrix, render_conformance, render_html, render_matrix, render_sequence, Colour, CrateRun,
    Verdict,
};
use ipc_conformance::scenario::{self, Scenario};

#[derive(Parser)]
#[command(
    version,
    about = "POSIX IPC conformance scenarios, run as real forked processes",
    after_help = "Exit status: 0 when nothing failed, 1 when a scenario failed or could not run, 2 when a scenario file is malformed (then nothing runs)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios against the operating system and report a verdict for each.
    Run {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
        /// How blocking is decided: `kernel` (thread state from the kernel) or
        /// `timeout=DURATION` (e.g. `timeout=100ms`: blocked if not returned by then).
        #[arg(long, default_value = "kernel", value_parser = parse_oracle)]
        blocking_oracle: BlockingOracle,
        /// Print the timeline of passing scenarios too.
        #[arg(long)]
        timeline: bool,
        /// Also write every scenario's timeline as a sequence diagram to this HTML file
        /// (self-contained: inline SVG, no external resources).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Only scenarios whose id contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// The implementation under test: `os` (the default) or a compiled-in adapter
        /// (`std`, `os_pipe`, …; build with `--features adapters`).
        #[arg(long, default_value = "os")]
        implementation: String,
    },
    /// Run the catalogue and print, per mechanism, what its passing scenarios prove.
    ///
    /// The table answers which processes may use the mechanism (related, unrelated),
    /// whether data flows both ways, how many processes take part, and whether a reader
    /// waits until data is there, each with the scenarios that prove it (Markdown).
    Matrix {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
    },
    /// Run the catalogue against every compiled-in adapter and write the conformance
    /// matrix of real crates (Markdown): per crate and mechanism, passed / failed /
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
    /// Generate scenarios of a mechanism the reference models cover and run them as real
    /// forked processes: sequences of calls checked against the reference model (and,
    /// for pipes, concurrent writers checked on what arrives); shrink each first failure
    /// and write it to scenarios/regressions/.
    Fuzz {
        /// The mechanism: `pipe`, `fifo`, `socketpair`, `unix-dgram`, `udp`, `unix-stream`,
        /// `unix-seqpacket`, `tcp`, `anon-shared`, `sysv-shm`, `posix-shm` or `file-mmap`.
        #[arg(long, default_value = "pipe")]
        mechanism: String,
        /// How many cases to generate.
        #[arg(long, default_value_t = 256)]
        cases: u32,
        /// The seed; a random one when not given (printed, to reproduce the run).
        #[arg(long)]
        seed: Option<u64>,
        /// The implementation under test, as for `run`.
        #[arg(long, default_value = "os")]
        implementation: String,
        /// Where a shrunk failure is written.
        #[arg(long, default_value = "scenarios/regressions")]
        regressions: PathBuf,
        /// The most processes a generated case has (2 to 6).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(2..=6))]
        max_processes: u8,
        /// The most moves a generated case is made from.
        #[arg(long, default_value_t = 12)]
        max_moves: usize,
    },
    /// List the scenarios with their summaries.
    List {
        /// Scenario files or directories (default: the catalogue in scenarios/).
        paths: Vec<PathBuf>,
    },
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

fn load(paths: Vec<PathBuf>) -> Result<Vec<Scenario>, ExitCode> {
    let mut all = Vec::new();
    for root in default_roots(paths) {
        match scenario::load_all(&root) {
            Ok(found) => all.extend(found),
            Err(e) => {
                eprintln!("error: {e}");
                return Err(ExitCode::from(2));
            }
        }
    }
    Ok(all)
}

fn main() -> ExitCode {
    // Started by exec as an actor of one of the adapters: serve as it (and exit).
    if let Some(name) = ipc_conformance::driver::exec_actor_implementation() {
        if let Ok(adapter) = adapters::find(&name) {
            (adapter.serve_exec_actor)();
        }
        eprintln!("error: started as an actor of `{name}`, which this build does not have");
        return ExitCode::from(2);
    }
    match Cli::parse().command {
        Command::List { paths } => match load(paths) {
            Ok(scenarios) => {
                for s in scenarios {
                    println!("{:<50} {}", s.id, s.summary);
                }
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Run {
            paths,
            blocking_oracle,
            timeline,
            html,
            filter,
            implementation,
        } => {
            let adapter = match adapters::find(&implementation) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let scenarios = match load(paths) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let opts = RunOptions {
                profile: PlatformProfile::host(),
                oracle: blocking_oracle,
            };
            run(
                &adapter,
                scenarios,
                &opts,
                timeline,
                filter.as_deref(),
                html.as_deref(),
            )
        }
        Command::Fuzz {
            mechanism,
            cases,
            seed,
            implementation,
            regressions,
            max_processes,
            max_moves,
        } => {
            let properties: Vec<Property> = Property::ALL
                .into_iter()
                .filter(|p| p.mechanism().name() == mechanism)
                .collect();
            if properties.is_empty() {
                let mut covered: Vec<&str> =
                    Property::ALL.iter().map(|p| p.mechanism().name()).collect();
                covered.sort_unstable();
                covered.dedup();
                eprintln!(
                    "error: `{mechanism}`: the fuzzers cover {}",
                    covered.join(", ")
                );
                return ExitCode::from(2);
            }
            let adapter = match adapters::find(&implementation) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let seed = seed.unwrap_or_else(random_seed);
            let opts = FuzzOptions {
                cases,
                seed,
                max_processes: usize::from(max_processes),
                max_moves,
                shrink: true,
            };
            fuzz(&adapter, &properties, &opts, &regressions)
        }
        Command::Conformance { paths, write } => match load(paths) {
            Ok(scenarios) => conformance(&scenarios, write.as_deref()),
            Err(code) => code,
        },
        Command::Matrix { paths } => {
            let scenarios = match load(paths) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let opts = RunOptions::default();
            let verdicts: Vec<Verdict> = scenarios
                .iter()
                .map(|s| run_scenario(s, &Os, &opts).verdict)
                .collect();
            print!(
                "{}",
                render_matrix(&matrix(scenarios.iter().zip(&verdicts)))
            );
            let failed = verdicts
                .iter()
                .filter(|v| matches!(v, Verdict::Fail(_) | Verdict::HarnessError(_)))
                .count();
            if failed > 0 {
                eprintln!("{failed} scenarios failed; the matrix leaves them out");
            }
            ExitCode::SUCCESS
        }
    }
}

fn run(
    adapter: &Adapter,
    scenarios: Vec<Scenario>,
    opts: &RunOptions,
    timeline: bool,
    filter: Option<&str>,
    html: Option<&Path>,
) -> ExitCode {
    let started = Instant::now();
    let colour = Colour::for_stdout();
    let mut pictured = Vec::new();
    let (mut passed, mut failed, mut skipped, mut deviations) = (0, 0, 0, 0);
    for s in scenarios
        .iter()
        .filter(|s| filter.is_none_or(|f| s.id.contains(f)))
    {
        let report = (adapter.run)(s, opts);
        let ms = report.duration.as_secs_f64() * 1e3;
        match &report.verdict {
            Verdict::Pass => {
                passed += 1;
                println!("PASS  {:<50} {ms:>8.2} ms", s.id);
                if timeline {
                    print!("{}", render_sequence(&report, colour));
                }
            }
            Verdict::Skip(reason) => {
                skipped += 1;
                println!("SKIP  {:<50} {reason}", s.id);
            }
            Verdict::Fail(_) => {
                failed += 1;
                println!("FAIL  {:<50} {ms:>8.2} ms", s.id);
                println!("  {}", s.summary);
                if let Some(p) = &s.source {
                    println!("  scenario: {}", p.display());
                }
                print!("{}", render_sequence(&report, colour));
            }
            Verdict::HarnessError(e) => {
                failed += 1;
                println!("ERROR {:<50} harness could not run: {e}", s.id);
            }
            Verdict::Deviation { reason, failure } => {
                deviations += 1;
                println!("DEVIATION {:<46} declared: {reason}", s.id);
                println!("  {failure}");
                if timeline {
                    print!("{}", render_sequence(&report, colour));
                }
            }
            _ => {}
        }
        if html.is_some() {
            pictured.push(report);
        }
    }
    if let Some(path) = html {
        if let Err(e) = std::fs::write(path, render_html(&pictured)) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    println!(
        "\nimplementation {} on {}, {:.1} ms",
        adapter.name,
        opts.profile.platform,
        started.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "{passed} passed, {failed} failed, {skipped} skipped, {deviations} declared deviations"
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn conformance(scenarios: &[Scenario], write: Option<&Path>) -> ExitCode {
    let opts = RunOptions::default();
    let versions = locked_versions();
    let adapters = adapters::compiled_in();
    let runs: Vec<CrateRun<'_>> = adapters
        .iter()
        .map(|a| {
            let started = Instant::now();
            let reports: Vec<_> = scenarios
                .iter()
                .map(|s| (s.mechanism, (a.run)(s, &opts)))
                .collect();
            eprintln!(
                "{}: {} scenarios in {:.1} s",
                a.name,
                reports.len(),
                started.elapsed().as_secs_f64()
            );
            CrateRun {
                name: a.name,
                version: versions.get(a.name).map(String::as_str),
                adapts: a.adapts,
                known: a.known_failures,
                declared: (a.deviations)(),
                reports,
            }
        })
        .collect();
    let text = render_conformance(
        &runs,
        &opts.profile.platform.to_string(),
        "cargo run --release --features adapters -- conformance --write docs/conformance.md",
    );
    match write {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => print!("{text}"),
    }
    let problems: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.unexplained()
                .into_iter()
                .map(move |p| format!("{}: {p}", r.name))
        })
        .collect();
    for p in &problems {
        eprintln!("unexplained: {p}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Package versions from `Cargo.lock` in the current directory, when there is one.
fn locked_versions() -> std::collections::BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    std::fs::read_to_string("Cargo.lock")
        .ok()
        .and_then(|text| toml::from_str::<Lock>(&text).ok())
        .map(|lock| {
            lock.package
                .into_iter()
                .map(|p| (p.name, p.version))
                .collect()
        })
        .unwrap_or_default()
}

fn fuzz(
    adapter: &Adapter,
    properties: &[Property],
    opts: &FuzzOptions,
    regressions: &Path,
) -> ExitCode {
    let seed = opts.seed;
    let bar = indicatif::ProgressBar::new(u64::from(opts.cases));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} scenarios, {per_sec}")
            .expect("a valid template"),
    );
    let mut failed = false;
    for &property in properties {
        bar.reset();
        let report = (adapter.fuzz)(property, opts, &RunOptions::default(), &|| bar.inc(1));
        bar.finish_and_clear();
        let rate = f64::from(report.runs) / report.elapsed.as_secs_f64();
        println!(
            "{}: {} scenarios against {} in {:.1} s ({rate:.0}/s), seed {seed}",
            property.name(),
            report.runs,
            adapter.name,
            report.elapsed.as_secs_f64()
        );
        match report.finding {
            Some(finding) => {
                failed = true;
                report_finding(&finding, adapter, seed, regressions);
            }
            None => println!("  no failure"),
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn report_finding(finding: &Finding, adapter: &Adapter, seed: u64, regressions: &Path) {
    println!(
        "  FAIL after {} scenarios ({:.1} s), shrunk to {} processes and {} steps: {}",
        finding.cases_to_find,
        finding.time_to_find.as_secs_f64(),
        finding.scenario.processes.len(),
        finding.scenario.steps.len(),
        finding.failure
    );
    match write_regression(regressions, finding, seed, adapter.name) {
        Ok(path) => println!("  written to {}", path.display()),
        Err(e) => eprintln!("error: cannot write the regression: {e}"),
    }
}

/// A seed from the clock, for a run that asks for none.
fn random_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}
