//! The fork server: a process forked when the harness starts, while the test binary has
//! one thread, that runs every scenario on request. The trials themselves may then run
//! on as many threads as libtest likes, next to whatever threads the user's crate starts
//! (an async runtime's): none of them is ever forked. Only the server forks, and it stays
//! single-threaded.
//!
//! A request is a scenario's index (u32, little-endian), a fuzzer's number, or the
//! platform check's; the answer is a tag byte (0 passed, 1 ignored, 2 failed) and the
//! text for libtest (u32 length, UTF-8). The server serves one request at a time and
//! exits when its socket closes.
//!
//! The platform check (`platform::PlatformCheck`: the profile of the run against what
//! this system measures) runs here too, because some of its probes fork: at most once,
//! when the trial `platform::profile` asks or when a scenario first fails. A failure
//! while the profile is wrong for this system carries a note that names the wrong
//! values, so that a failure caused by the profile is read as such.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Mutex;

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use crate::driver::{fork_helper, run_scenario, HarnessError, RunOptions};
use crate::driver::{ScenarioReport, Verdict};
use crate::fuzz::{fuzz, FuzzOptions, Property};
use crate::mechanism::Implementation;
use crate::platform::PlatformCheck;
use crate::report::{render_sequence, Colour};
use crate::scenario::{to_file_text, Scenario};

/// The requests that run a fuzzer instead of a scenario: the last numbers, one per
/// property.
fn fuzz_request(property: Property) -> u32 {
    u32::MAX - property as u32
}

/// The request that runs the platform check: the number below the fuzzers'.
fn platform_request() -> u32 {
    u32::MAX - Property::ALL.len() as u32
}

/// What one scenario came to, as libtest shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrialResult {
    /// It passed.
    Passed,
    /// It was skipped, or failed as the implementation declares: the reason.
    Ignored(String),
    /// It failed, or could not run: the scenario, the step, expected and observed, and
    /// the timeline.
    Failed(String),
}

/// The file of a failed scenario, written out under the test binary's target directory
/// (`target/debug/ipc-conformance-failed/pipe/read_partial.toml`) for the user to read and run: the path it
/// was loaded from is one in this crate's source, not the user's. `None` when it cannot
/// be written.
fn written_out(scenario: &Scenario) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // Named as the catalogue names it, so that it reads back with the same id.
    let (mechanism, stem) = scenario.id.split_once("::")?;
    let dir = exe
        .parent()?
        .parent()?
        .join("ipc-conformance-failed")
        .join(mechanism);
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{stem}.toml"));
    std::fs::write(&path, to_file_text(scenario, &[]).ok()?).ok()?;
    Some(path)
}

impl TrialResult {
    /// The result of a report of `scenario`.
    pub fn of(report: &ScenarioReport, scenario: &Scenario) -> TrialResult {
        match &report.verdict {
            Verdict::Pass => TrialResult::Passed,
            Verdict::Skip(reason) => TrialResult::Ignored(reason.clone()),
            Verdict::Deviation { reason, .. } => {
                TrialResult::Ignored(format!("declared deviation: {reason}"))
            }
            Verdict::Fail(_) => TrialResult::Failed(format!(
                "{}\n{}{}",
                scenario.summary,
                render_sequence(report, Colour::Never),
                written_out(scenario)
                    .or_else(|| scenario.source.clone())
                    .map(|p| format!("  scenario: {}\n", p.display()))
                    .unwrap_or_default()
            )),
            Verdict::HarnessError(e) => TrialResult::Failed(format!("harness could not run: {e}")),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let (tag, text) = match self {
            TrialResult::Passed => (0u8, ""),
            TrialResult::Ignored(t) => (1, t.as_str()),
            TrialResult::Failed(t) => (2, t.as_str()),
        };
        let mut out = vec![tag];
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out
    }

    fn decode(from: &mut impl Read) -> io::Result<TrialResult> {
        let mut head = [0u8; 5];
        from.read_exact(&mut head)?;
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut text = vec![0u8; len];
        from.read_exact(&mut text)?;
        let text = String::from_utf8_lossy(&text).into_owned();
        match head[0] {
            0 => Ok(TrialResult::Passed),
            1 => Ok(TrialResult::Ignored(text)),
            _ => Ok(TrialResult::Failed(text)),
        }
    }
}

/// A running fork server and the connection to it.
pub struct ForkServer {
    pid: Pid,
    connection: Mutex<UnixStream>,
}

impl ForkServer {
    /// Fork the server, which keeps its own copy of `iut` and `scenarios`. Refused unless
    /// this process has one thread: call it first thing in `main`.
    pub fn start<I: Implementation>(
        iut: &I,
        scenarios: &[Scenario],
        opts: &RunOptions,
    ) -> Result<ForkServer, HarnessError> {
        let (ours, theirs) = UnixStream::pair().map_err(HarnessError::ServerSocket)?;
        let ours_fd = ours.as_raw_fd();
        let pid = fork_helper(|| {
            // The server must not hold the harness's end, or it would never see it close.
            // It leaves by _exit and drops nothing, so closing the number is safe.
            let _ = nix::unistd::close(ours_fd);
            serve(&theirs, iut, scenarios, opts)
        })?;
        drop(theirs);
        Ok(ForkServer {
            pid,
            connection: Mutex::new(ours),
        })
    }

    /// Run scenario `index` (of the list the server was started with) and wait for it.
    pub fn run(&self, index: usize) -> TrialResult {
        self.ask(index as u32)
    }

    /// Check the run's platform profile against this system (`platform::PlatformCheck`):
    /// failed, naming each wrong value, when they disagree.
    pub fn platform_check(&self) -> TrialResult {
        self.ask(platform_request())
    }

    /// Run the fuzzer of `property` ([`fuzz_options`]) and wait for it.
    pub fn fuzz(&self, property: Property) -> TrialResult {
        self.ask(fuzz_request(property))
    }

    fn ask(&self, request: u32) -> TrialResult {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let asked = connection.write_all(&request.to_le_bytes());
        match asked.and_then(|()| TrialResult::decode(&mut *connection)) {
            Ok(result) => result,
            Err(e) => TrialResult::Failed(format!("the fork server is gone: {e}")),
        }
    }
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        // Closing the socket ends the server; SIGKILL in case a run is still going.
        let _ = self
            .connection
            .get_mut()
            .map(|c| c.shutdown(std::net::Shutdown::Both));
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = waitpid(self.pid, None);
    }
}

/// How the harness fuzzes: `PROPTEST_CASES` cases (256 when unset), from the seed
/// `IPC_CONFORMANCE_SEED` (0 when unset, so that runs repeat).
pub fn fuzz_options() -> FuzzOptions {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse().ok());
    FuzzOptions {
        cases: var("PROPTEST_CASES").map_or(256, |n: u64| n as u32),
        seed: var("IPC_CONFORMANCE_SEED").unwrap_or(0),
        ..FuzzOptions::default()
    }
}

/// A fuzzer's verdict, with the shrunk failure as a scenario file to keep.
fn fuzzed<I: Implementation>(iut: &I, property: Property, opts: &RunOptions) -> TrialResult {
    let options = fuzz_options();
    let report = fuzz(iut, property, &options, opts, &|| {});
    let Some(finding) = report.finding else {
        return TrialResult::Passed;
    };
    let comment = [format!(
        "Found by the fuzzer, seed {}, and shrunk.",
        options.seed
    )];
    TrialResult::Failed(format!(
        "after {} generated scenarios: {}\nthe shrunk scenario, to keep as a regression:\n\n{}",
        finding.cases_to_find,
        finding.failure,
        to_file_text(&finding.scenario, &comment)
            .unwrap_or_else(|e| format!("(cannot write it: {e})"))
    ))
}

/// The trial `platform::profile`: passed when the profile agrees with this system,
/// else failed with each wrong value and the whole table.
fn checked(check: &PlatformCheck) -> TrialResult {
    if check.agrees() {
        return TrialResult::Passed;
    }
    TrialResult::Failed(format!(
        "the {} platform profile is wrong for this system; scenarios that rely on these \
         values fail for this one cause (their failures say so):\n{}\n{check}",
        check.profile,
        check.summary()
    ))
}

/// Added to a failure while the profile is wrong for this system.
fn profile_note(check: &PlatformCheck) -> String {
    if check.agrees() {
        return String::new();
    }
    format!(
        "note: the {} platform profile is wrong for this system (trial platform::profile), \
         and this failure may follow from it:\n{}",
        check.profile,
        check.summary()
    )
}

/// The server's loop: one scenario per request until the socket closes.
fn serve<I: Implementation>(
    mut connection: &UnixStream,
    iut: &I,
    scenarios: &[Scenario],
    opts: &RunOptions,
) -> i32 {
    let mut request = [0u8; 4];
    let mut check: Option<PlatformCheck> = None;
    let mut check = || {
        check
            .get_or_insert_with(|| PlatformCheck::run(opts.profile))
            .clone()
    };
    while connection.read_exact(&mut request).is_ok() {
        let request = u32::from_le_bytes(request);
        let property = Property::ALL
            .into_iter()
            .find(|p| fuzz_request(*p) == request);
        let result = match (property, scenarios.get(request as usize)) {
            _ if request == platform_request() => checked(&check()),
            (Some(property), _) => fuzzed(iut, property, opts),
            (None, Some(s)) => match TrialResult::of(&run_scenario(s, iut, opts), s) {
                TrialResult::Failed(text) => TrialResult::Failed(text + &profile_note(&check())),
                other => other,
            },
            (None, None) => TrialResult::Failed(format!("no scenario number {request}")),
        };
        if connection.write_all(&result.encode()).is_err() {
            break;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(TrialResult::Passed)]
    #[case(TrialResult::Ignored("no sockets".to_owned()))]
    #[case(TrialResult::Failed("step 2: expected 5 bytes\n  timeline: …".to_owned()))]
    fn results_cross_the_socket_unchanged(#[case] result: TrialResult) {
        let bytes = result.encode();
        assert_eq!(TrialResult::decode(&mut bytes.as_slice()).unwrap(), result);
    }

    #[test]
    fn a_failed_scenario_is_written_out_under_target_for_the_user() {
        let catalogue = crate::scenario::catalogue().expect("the built-in catalogue parses");
        let s = catalogue
            .iter()
            .find(|s| s.id == "pipe::read_partial")
            .expect("in the catalogue");
        let path = written_out(s).expect("target/ is writable");
        assert!(path.starts_with(
            std::env::current_exe()
                .unwrap()
                .parent()
                .unwrap()
                .parent()
                .unwrap()
        ));
        assert!(path.ends_with("ipc-conformance-failed/pipe/read_partial.toml"));
        let read_back = crate::scenario::load_file(&path).expect("the file reads back");
        assert_eq!(
            (read_back.id, read_back.steps),
            (s.id.clone(), s.steps.clone())
        );
    }
}
