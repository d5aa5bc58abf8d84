//! Where `run`'s results go, in catalogue order, wherever they were run: standard output
//! (text or JSON lines), the progress bar, the tally, and the `--junit` and `--html` files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::ProgressBar;
use ipc_conformance::adapters::Adapter;
use ipc_conformance::driver::RunOptions;
use ipc_conformance::report::{
    group_causes, html_page, render_causes, render_json_line, render_junit, ScenarioRecord,
};

use super::args::{Format, RunArgs};
use super::outcome::Outcome;
use super::{progress_bar, EXIT_MALFORMED};

/// Where results go, in catalogue order: standard output, the progress bar, the tally
/// and the records kept for `--junit`.
pub(super) struct Sink {
    format: Format,
    junit: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
    /// The `--html` page's sections so far.
    sections: Vec<String>,
    fail_fast: bool,
    pub bar: ProgressBar,
    records: Vec<ScenarioRecord>,
    total: usize,
    taken: usize,
    /// A failure was seen and `--fail-fast` asks to stop.
    pub stopped: bool,
    counts: [usize; 4],
    /// Each failed scenario's id and the cause its failed check names.
    causes: Vec<(String, String)>,
    /// How many processes' leak checks were made each way, by kind.
    leak_checks: BTreeMap<String, usize>,
}

impl Sink {
    pub(super) fn new(args: &RunArgs, total: usize) -> Self {
        let bar = progress_bar(
            total as u64,
            "{bar:40} {pos}/{len} scenarios, {elapsed} {msg}",
        );
        Sink {
            format: args.format,
            junit: args.junit.clone(),
            html: args.html.clone(),
            sections: Vec::new(),
            fail_fast: args.fail_fast,
            bar,
            records: Vec::new(),
            total,
            taken: 0,
            stopped: false,
            counts: [0; 4],
            causes: Vec::new(),
            leak_checks: BTreeMap::new(),
        }
    }

    /// Print one result; results must come in catalogue order.
    pub(super) fn take(&mut self, o: Outcome) {
        let r = &o.record;
        let slot = match r.verdict.as_str() {
            "pass" => 0,
            "fail" | "harness_error" => 1,
            "skip" => 2,
            _ => 3,
        };
        self.counts[slot] += 1;
        self.taken += 1;
        if r.is_failure() && self.fail_fast {
            self.stopped = true;
        }
        for check in &r.leak_checks {
            *self.leak_checks.entry(check.kind.clone()).or_default() += 1;
        }
        if let (Some(f), "fail") = (&r.failure, r.verdict.as_str()) {
            self.causes.push((r.id.clone(), f.cause.clone()));
        }
        self.bar.suspend(|| match self.format {
            Format::Human => print!("{}", o.text),
            Format::Json => println!("{}", render_json_line(r)),
        });
        self.bar.set_message(r.id.clone());
        self.bar.inc(1);
        self.sections.extend(o.html);
        if self.junit.is_some() {
            self.records.push(o.record);
        }
    }

    pub(super) fn finish(self, adapter: &Adapter, opts: &RunOptions, started: Instant) -> ExitCode {
        self.bar.finish_and_clear();
        let elapsed = started.elapsed();
        let [passed, failed, skipped, deviations] = self.counts;
        let mut summary = format!(
            "implementation {} on {}, {:.1} ms\n{passed} passed, {failed} failed, {skipped} skipped, {deviations} declared deviations",
            adapter.name,
            opts.profile.platform,
            elapsed.as_secs_f64() * 1e3
        );
        if self.taken < self.total {
            let _ = write!(
                summary,
                "\nstopped at the first failure (--fail-fast): {} not run",
                self.total - self.taken
            );
        }
        if let Some(line) = leak_check_line(&self.leak_checks) {
            let _ = write!(summary, "\n{line}");
        }
        let causes = group_causes(self.causes.iter().map(|(id, c)| (id.as_str(), c.as_str())));
        summary.push('\n');
        summary.push_str(render_causes(&causes).trim_end());
        let summary = summary.trim_end();
        match self.format {
            Format::Human => println!("\n{summary}"),
            Format::Json => eprintln!("{summary}"),
        }
        let junit = self
            .junit
            .as_ref()
            .map(|path| (path, render_junit(&self.records, elapsed.as_secs_f64())));
        let html = self
            .html
            .as_ref()
            .map(|path| (path, html_page(&self.sections, failed)));
        for (path, text) in junit.into_iter().chain(html) {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(EXIT_MALFORMED);
            }
        }
        ExitCode::from(if failed == 0 { 0 } else { 1 })
    }
}

/// How the run's leak checks were made, strongest first: a reader sees at once when an
/// implementation that hides its descriptors was only counted, or not checked at all.
fn leak_check_line(by_kind: &BTreeMap<String, usize>) -> Option<String> {
    const KINDS: [(&str, &str); 4] = [
        (
            "kernel_table",
            "matched against the kernel's descriptor table",
        ),
        (
            "kernel_table_counted",
            "counted against the handles held (the implementation hides its descriptors)",
        ),
        (
            "own_listing",
            "from the process's own listing only (weaker)",
        ),
        ("unchecked", "not checked"),
    ];
    let parts: Vec<String> = KINDS
        .iter()
        .filter_map(|(kind, words)| by_kind.get(*kind).map(|n| format!("{n} {words}")))
        .collect();
    (!parts.is_empty()).then(|| format!("leak checks by process: {}", parts.join(", ")))
}
