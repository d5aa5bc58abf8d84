//! Legal variants the suite must pass: each makes one choice POSIX leaves open (see
//! fixtures/legal_streams.rs, fixtures/legal_sockets.rs and fixtures/legal_locks.rs),
//! and the whole catalogue, and the fuzzers of the mechanisms it provides, must find
//! nothing against it. A failure here is a false
//! alarm: fix the scenario or the model, never the variant into the OS's exact habits.

#[path = "../fixtures/legal_locks.rs"]
mod legal_locks;
#[path = "../fixtures/legal_sockets.rs"]
mod legal_sockets;
#[path = "../fixtures/legal_streams.rs"]
mod legal_streams;
#[path = "../fixtures/os_locks.rs"]
mod os_locks;

use legal_locks::LockChoice;
use legal_sockets::{LegalSocket, SocketChoice, SMALL_BUFFER};
use legal_streams::{Choice, Legal};
use libtest_mimic::{Arguments, Failed, Trial};
use os_locks::Twisted;

use ipc_conformance::driver::{run_scenario, RunOptions, ScenarioReport, Verdict};
use ipc_conformance::fuzz::{
    build_connections, declared, fuzz, ConnectionOp, ConnectionPlan, ConnectionProcess,
    FuzzOptions, NewSocket, Property, Target,
};
use ipc_conformance::mechanism::{Implementation, Sockets, Streams, Synchronizers};
use ipc_conformance::scenario::{self, Mechanism, Scenario};

/// The seed the fuzzers run with here.
const SEED: u64 = 1;

/// Cases per fuzzer (PROPTEST_CASES, else a few, as for the other fuzz trials).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

/// Every catalogue scenario passes, or is skipped for something the variant does not
/// provide; the failures are listed, each on one line.
fn passes_the_catalogue<I: Implementation>(iut: &I, scenarios: &[Scenario]) -> Result<(), Failed> {
    let opts = RunOptions::default();
    let mut run = 0;
    let mut failures = Vec::new();
    for s in scenarios {
        match run_scenario(s, iut, &opts).verdict {
            Verdict::Skip(_) => {}
            Verdict::Pass => run += 1,
            other => {
                run += 1;
                failures.push(format!("{}: {other:?}", s.id));
            }
        }
    }
    match failures.is_empty() {
        true => {
            eprintln!("{}: {run} scenarios run, none failed", iut.name());
            Ok(())
        }
        false => Err(format!(
            "{} false alarms in {run} scenarios run against {}:\n{}",
            failures.len(),
            iut.name(),
            failures.join("\n")
        )
        .into()),
    }
}

/// The fuzzers of `properties` find nothing.
fn passes_the_fuzzers<I: Implementation>(iut: &I, properties: &[Property]) -> Result<(), Failed> {
    let opts = FuzzOptions {
        cases: cases(),
        seed: SEED,
        ..FuzzOptions::default()
    };
    for &property in properties {
        let report = fuzz(iut, property, &opts, &RunOptions::default(), &|| {});
        if let Some(finding) = report.finding {
            return Err(format!(
                "{}: the {} fuzzer fails a generated scenario: {}",
                iut.name(),
                property.name(),
                finding.failure
            )
            .into());
        }
    }
    Ok(())
}

/// The fuzzers a pipe variant must pass: all three. The pipe model states no count
/// that a write of more than PIPE_BUF made in parts could change, so a variant that
/// writes in PIPE_BUF pieces passes them too.
fn stream_properties() -> Vec<Property> {
    vec![
        Property::PipeSequences,
        Property::FifoSequences,
        Property::ConcurrentWriters,
    ]
}

/// The fuzzers a socket variant must pass: every socket fuzzer, streams and datagrams.
const SOCKET_PROPERTIES: [Property; 6] = [
    Property::SocketpairSequences,
    Property::UnixStreamConnections,
    Property::UnixSeqpacketConnections,
    Property::TcpConnections,
    Property::DatagramSequences,
    Property::UdpSequences,
];

/// The two trials of a variant: the catalogue, and the fuzzers of `properties`.
fn trials_of<I: Implementation + Copy + Send + 'static>(
    iut: I,
    scenarios: &[Scenario],
    properties: Vec<Property>,
) -> [Trial; 2] {
    let catalogue = scenarios.to_vec();
    [
        Trial::test(format!("legal::{}::catalogue", iut.name()), move || {
            passes_the_catalogue(&iut, &catalogue)
        }),
        Trial::test(format!("legal::{}::fuzzers", iut.name()), move || {
            passes_the_fuzzers(&iut, &properties)
        }),
    ]
}

/// `id` from the catalogue, run against `iut`.
fn run_one<I: Implementation>(iut: &I, scenarios: &[Scenario], id: &str) -> ScenarioReport {
    let s = scenarios
        .iter()
        .find(|s| s.id == id)
        .expect("in the catalogue");
    run_scenario(s, iut, &RunOptions::default())
}

/// Against undeclared 4096-byte pipes, the driver reads each pipe's and FIFO's
/// capacity from the object and says so, and the scenario whose rule is the default
/// capacity is a skip that names the measurement.
fn reads_the_capacity_from_the_object(scenarios: &[Scenario]) -> Result<(), Failed> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let iut = Streams(Legal(Choice::UndeclaredSmallPipes));
    let read = "PIPE_CAPACITY = 4096: read from the object under test (F_GETPIPE_SZ)";
    for id in ["pipe::capacity", "fifo::capacity_same_as_pipe"] {
        let report = run_one(&iut, scenarios, id);
        if report.verdict != Verdict::Pass || report.measurements != [read] {
            return Err(format!("{id}: {:?}, {:?}", report.verdict, report.measurements).into());
        }
    }
    match run_one(&iut, scenarios, "pipe::setpipe_sz_default").verdict {
        Verdict::Skip(why) if why.contains("default pipe capacity") && why.contains("4096") => {
            Ok(())
        }
        other => Err(format!("pipe::setpipe_sz_default: {other:?}").into()),
    }
}

/// Against undeclared small socket buffers, the driver reads the buffers back from the
/// sockets the implementation makes (a socketpair's own ends, or one made for the
/// purpose) and says so, and a scenario whose rule is the default buffers is a skip that
/// names them.
fn reads_the_socket_buffers_back(scenarios: &[Scenario]) -> Result<(), Failed> {
    let iut = Sockets(LegalSocket(SocketChoice::SmallBuffers));
    // Linux keeps twice the size set (net/core/sock.c, `sock_setsockopt`).
    let kept = match cfg!(target_os = "linux") {
        true => 2 * SMALL_BUFFER,
        false => SMALL_BUFFER,
    };
    let buffers = format!("SO_SNDBUF {kept}, SO_RCVBUF {kept}");
    let read = format!("{buffers}: read back from a");
    for id in ["socketpair::data_both_ways", "unix-dgram::boundaries_kept"] {
        let report = run_one(&iut, scenarios, id);
        if report.verdict != Verdict::Pass
            || !report.measurements.iter().any(|m| m.starts_with(&read))
        {
            return Err(format!("{id}: {:?}, {:?}", report.verdict, report.measurements).into());
        }
    }
    let id = "unix-dgram::connected_send_until_full";
    match run_one(&iut, scenarios, id).verdict {
        Verdict::Skip(why) if why.contains("default socket buffers") && why.contains(&buffers) => {
            Ok(())
        }
        other => Err(format!("{id}: {other:?}").into()),
    }
}

/// A receive on a stream of more than 64 bytes, past which a generated expectation
/// names only the count of a pipe's read: blocked until a send of 66 bytes, a receive
/// into 65 may get them one byte at a time or in the send's pieces, so the fuzzers
/// expect its bytes, which the driver reads on for. The scenario the connection
/// fuzzer builds for it passes against both variants, on Unix streams and TCP.
fn long_stream_receives_pass() -> Result<(), Failed> {
    let plan = ConnectionPlan {
        processes: vec![
            ConnectionProcess {
                related: false,
                ignores_sigpipe: true,
            };
            2
        ],
        moves: vec![
            (
                0,
                ConnectionOp::Serve {
                    address: 0,
                    backlog: 1,
                },
            ),
            (
                1,
                ConnectionOp::Connect {
                    address: 0,
                    flags: NewSocket::default(),
                },
            ),
            (0, ConnectionOp::Accept(NewSocket::default())),
            (0, ConnectionOp::Recv(Target::Accepted, 65, [false; 3])),
            (1, ConnectionOp::Send(Target::Client, 66, false)),
        ],
    };
    for choice in [SocketChoice::OneByteReceives, SocketChoice::SplitSends] {
        let iut = Sockets(LegalSocket(choice));
        for mechanism in [Mechanism::UnixStream, Mechanism::Tcp] {
            let opts = RunOptions::default().for_plans(&iut, mechanism);
            let capabilities = declared(&iut, mechanism).unwrap_or_default();
            let id = format!("{mechanism}::long_receive");
            let scenario = build_connections(&plan, mechanism, opts.profile, &capabilities, &id)
                .ok_or(format!("{id}: the plan builds to nothing"))?;
            let verdict = run_scenario(&scenario, &iut, &opts).verdict;
            if verdict != Verdict::Pass {
                return Err(format!("{}: {id}: {verdict:?}", iut.name()).into());
            }
        }
    }
    Ok(())
}

fn main() {
    let mut args = Arguments::from_args();
    // Trials fork; forking is only safe from a process's only thread.
    args.test_threads = Some(1);
    let scenarios = scenario::catalogue().expect("the built-in catalogue parses");
    let mut trials = Vec::new();
    for choice in Choice::ALL {
        let iut = Streams(Legal(choice));
        trials.extend(trials_of(iut, &scenarios, stream_properties()));
    }
    let catalogue = scenarios.clone();
    trials.push(Trial::test(
        "legal::reads_the_capacity_from_the_object",
        move || reads_the_capacity_from_the_object(&catalogue),
    ));
    let catalogue = scenarios.clone();
    trials.push(Trial::test(
        "legal::reads_the_socket_buffers_back",
        move || reads_the_socket_buffers_back(&catalogue),
    ));
    for choice in SocketChoice::ALL {
        let iut = Sockets(LegalSocket(choice));
        trials.extend(trials_of(iut, &scenarios, SOCKET_PROPERTIES.to_vec()));
    }
    trials.push(Trial::test(
        "legal::long_stream_receives_pass",
        long_stream_receives_pass,
    ));
    for choice in LockChoice::ALL {
        let iut = Synchronizers(Twisted(choice));
        trials.extend(trials_of(
            iut,
            &scenarios,
            vec![Property::SharedLockSequences],
        ));
    }
    libtest_mimic::run(&args, trials).exit()
}
