//! `run --jobs N`: the scenarios in N worker processes.
//!
//! Forking is only safe from a single-threaded process, so the parallelism is in
//! processes, never threads: each worker is this binary again (`run --worker`, the same
//! selection arguments), single-threaded, reading scenario indices on its standard input
//! and writing one [`Outcome`] per line of JSON on its standard output. The parent forks
//! nothing itself (it only spawns, which is safe with threads), hands each worker the
//! next index as its last one comes back, and prints results in catalogue order.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;

use ipc_conformance::adapters::Adapter;
use ipc_conformance::driver::RunOptions;
use ipc_conformance::report::{Colour, ScenarioRecord, SCHEMA_VERSION};
use ipc_conformance::scenario::Scenario;

use super::args::{oracle_arg, RunArgs};
use super::outcome::{outcome, Outcome, Show};
use super::sink::Sink;

/// Serve as a worker: run each index read from standard input until it closes.
pub(super) fn serve(
    adapter: &Adapter,
    scenarios: &[Scenario],
    opts: &RunOptions,
    show: Show,
) -> ExitCode {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(s) = line
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|i| scenarios.get(i).map(|s| (i, s)))
        else {
            eprintln!("error: worker: no scenario `{line}`");
            return ExitCode::from(2);
        };
        let o = outcome(adapter, s.1, s.0, opts, show);
        let line = serde_json::to_string(&o).expect("an outcome is representable as JSON");
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The index it is running.
    busy: Option<usize>,
}

impl Worker {
    /// Hand it `index`, or close its input when there is nothing left (it then exits).
    fn hand(&mut self, index: Option<usize>) {
        self.busy = None;
        if let (Some(i), Some(stdin)) = (index, self.stdin.as_mut()) {
            if writeln!(stdin, "{i}").and_then(|()| stdin.flush()).is_ok() {
                self.busy = Some(i);
                return;
            }
        }
        self.stdin = None;
    }
}

/// Run `scenarios` in `args.jobs` workers and give `sink` the results in order.
pub(super) fn run_parallel(
    args: &RunArgs,
    scenarios: &[Scenario],
    sink: &mut Sink,
) -> io::Result<()> {
    let exe = std::env::current_exe()?;
    let n = usize::from(args.jobs).min(scenarios.len());
    let (tx, rx) = mpsc::channel::<(usize, Option<String>)>();
    let mut workers = Vec::with_capacity(n);
    for w in 0..n {
        let mut cmd = Command::new(&exe);
        cmd.arg("run")
            .arg("--worker")
            .arg("--implementation")
            .arg(&args.implementation)
            .arg("--blocking-oracle")
            .arg(oracle_arg(args.blocking_oracle));
        if let Some(f) = &args.filter {
            cmd.arg("--filter").arg(f);
        }
        if let Some(p) = &args.platform_profile {
            cmd.arg("--platform-profile").arg(p);
        }
        if args.timeline {
            cmd.arg("--timeline");
        }
        if let Some(path) = &args.html {
            cmd.arg("--html").arg(path);
        }
        if Show::of(args).colour == Colour::Always {
            cmd.arg("--colour");
        }
        cmd.arg("--").args(&args.paths);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => {
                        if tx.send((w, Some(l))).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send((w, None));
        });
        let stdin = child.stdin.take();
        workers.push(Worker {
            child,
            stdin,
            busy: None,
        });
    }
    drop(tx);
    let mut next = 0;
    let hand_next = |stop: bool, next: &mut usize| {
        (!stop && *next < scenarios.len()).then(|| {
            *next += 1;
            *next - 1
        })
    };
    for w in &mut workers {
        w.hand(hand_next(false, &mut next));
    }
    let mut done: BTreeMap<usize, Outcome> = BTreeMap::new();
    let mut printed = 0;
    let mut stop = false;
    let mut alive = n;
    while alive > 0 {
        let Ok((w, line)) = rx.recv() else { break };
        let worker = &mut workers[w];
        match line {
            Some(line) => {
                let o: Outcome = match serde_json::from_str(&line) {
                    Ok(o) => o,
                    // Not ours: something the implementation printed; pass it on.
                    Err(_) => {
                        sink.bar.suspend(|| eprintln!("{line}"));
                        continue;
                    }
                };
                stop |= args.fail_fast && o.record.is_failure();
                done.insert(o.index, o);
                worker.hand(hand_next(stop, &mut next));
            }
            None => {
                alive -= 1;
                worker.stdin = None;
                let status = worker.child.wait();
                if let Some(i) = worker.busy.take() {
                    let why = format!("the worker process ended before reporting ({status:?})");
                    done.insert(
                        i,
                        lost(
                            i,
                            &scenarios[i],
                            &args.implementation,
                            sink_platform(args),
                            why,
                        ),
                    );
                    stop |= args.fail_fast;
                }
            }
        }
        while let Some(o) = done.remove(&printed) {
            sink.take(o);
            printed += 1;
        }
    }
    // Whatever was handed out but lost is already recorded; anything left is not run.
    for o in std::mem::take(&mut done).into_values() {
        sink.take(o);
    }
    Ok(())
}

fn sink_platform(args: &RunArgs) -> String {
    args.platform_profile.clone().unwrap_or_else(|| {
        ipc_conformance::platform::PlatformProfile::host()
            .platform
            .to_string()
    })
}

/// The record of a scenario whose worker died: the harness could not run it.
fn lost(
    index: usize,
    s: &Scenario,
    implementation: &str,
    platform: String,
    why: String,
) -> Outcome {
    Outcome {
        index,
        text: format!("ERROR {:<50} harness could not run: {why}\n", s.id),
        html: None,
        record: ScenarioRecord {
            schema: SCHEMA_VERSION,
            id: s.id.clone(),
            mechanism: s.mechanism.name().to_owned(),
            implementation: implementation.to_owned(),
            platform,
            verdict: "harness_error".to_owned(),
            reason: Some(why),
            summary: s.summary.clone(),
            source: s.source.as_ref().map(|p| p.display().to_string()),
            duration_ms: 0.0,
            failure: None,
            findings: Vec::new(),
            measurements: Vec::new(),
            leak_checks: Vec::new(),
            blocking: Vec::new(),
            timeline: Vec::new(),
        },
    }
}
