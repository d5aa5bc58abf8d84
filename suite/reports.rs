//! The report formats of `run` (JSON lines, JUnit XML, the human text) and `explain`,
//! snapshot-tested through the binary on three fixtures in fixtures/reports/: a pass (a
//! blocked reader released by a writer), a fail (a wrong expectation on purpose) and a
//! skip (SO_NOSIGPIPE, which the Linux profile has not). `--platform-profile linux`
//! keeps the snapshots the same on a macOS host.
//!
//! The binary forks, not this process: running it as a child is safe from test threads.

use std::process::Command;

use serde_json::Value;

const FIXTURES: &str = "fixtures/reports";

/// Run the binary from the crate root; standard output and the exit status.
fn cli(args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_ipc-conformance"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs");
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

/// Times, sequence numbers, descriptor numbers, the kernel's wait channel and the
/// blocking evidence vary by run and host (a CI runner may hand the test more open
/// descriptors, so the IUT's get higher numbers). Events of different processes that happen at once (the writer's return
/// and the reader it wakes) come in either order, so events are put in a fixed order.
fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match key.as_str() {
                    k if k.ends_with("_ms") => *v = Value::from("[ms]"),
                    "seq" => *v = Value::from("[seq]"),
                    "evidence" => *v = Value::from("[evidence]"),
                    _ => redact_json(v),
                }
            }
            if map.get("event").and_then(Value::as_str) == Some("blocked") {
                map.insert("text".into(), Value::from("[wait channel]"));
            } else if let Some(Value::String(text)) = map.get_mut("text") {
                *text = redact_numbers(text);
            }
            if let Some(Value::Array(measured)) = map.get_mut("measurements") {
                for m in measured.iter_mut() {
                    *m = Value::from(redact_numbers(m.as_str().unwrap_or_default()));
                }
            }
            if let Some(Value::Array(events)) = map.get_mut("timeline") {
                events.sort_by_key(|e| {
                    let rank = match e["event"].as_str() {
                        Some("start") => 0,
                        Some("blocked") => 1,
                        Some("end") => 2,
                        _ => 3,
                    };
                    (
                        e["step"].as_u64(),
                        e["process"].as_str().map(str::to_owned),
                        rank,
                    )
                });
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn json_lines(args: &[&str]) -> Vec<Value> {
    let (out, _) = cli(args);
    out.lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).expect("each line is one JSON object");
            redact_json(&mut v);
            v
        })
        .collect()
}

/// Replace every number the host decides: the descriptor a call names, `(fd 11)` →
/// `(fd [n])`, and the pipe capacity read from the object, `PIPE_CAPACITY = 65536` →
/// `PIPE_CAPACITY = [n]` (smaller on a system over its pipe limits).
fn redact_numbers(text: &str) -> String {
    ["(fd ", "PIPE_CAPACITY = "]
        .iter()
        .fold(text.to_owned(), |text, prefix| redact_after(&text, prefix))
}

/// Replace the digits after every `prefix` with `[n]`.
fn redact_after(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let from = at + prefix.len();
        let digits = rest[from..].len()
            - rest[from..]
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len();
        out.push_str(&rest[..from]);
        out.push_str(if digits > 0 { "[n]" } else { "" });
        rest = &rest[from + digits..];
    }
    out.push_str(rest);
    out
}

/// Replace a diagram row's time, the number before ` ms` (with its padding), every
/// `time="…"` attribute and every descriptor number.
fn redact_text(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut line = redact_numbers(line);
        // A row of a sequence diagram starts with its time, unitless: 2 spaces, then 9
        // characters (the JUnit timeline's rows say `ms`, below).
        let row_time = line
            .get(2..11)
            .is_some_and(|t| t.trim().parse::<f64>().is_ok());
        if row_time && !line.contains(" ms") {
            line.replace_range(2..11, &format!("{:>9}", "[t]"));
        }
        while let Some(start) = line.find("time=\"") {
            let from = start + "time=\"".len();
            let end = from + line[from..].find('"').unwrap();
            line.replace_range(start..=end, "time=\"[s]\"");
            if !line[end..].contains("time=\"") {
                break;
            }
        }
        if let Some(ms) = line.find(" ms") {
            let digits = line[..ms].trim_end();
            let begin = digits
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(0, |i| i + 1);
            if begin < digits.len() {
                // A number right-aligned in a fixed width (padded: two spaces or more
                // before it) keeps the width, so the padding does not change with the
                // number of digits; a number after one space is replaced alone.
                let field = line[..begin].trim_end_matches(' ').len();
                if begin - field >= 2 {
                    let width = ms - field;
                    line.replace_range(field..ms, &format!("{:>width$}", "[ms]"));
                } else {
                    line.replace_range(begin..ms, "[ms]");
                }
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn json_lines_of_pass_fail_and_skip() {
    let records = json_lines(&[
        "run",
        "--platform-profile",
        "linux",
        "--format",
        "json",
        FIXTURES,
    ]);
    assert_eq!(records.len(), 3);
    let text = serde_json::to_string_pretty(&records).unwrap();
    insta::assert_snapshot!("run_format_json", text);
}

#[test]
fn jobs_print_in_catalogue_order_with_the_same_results() {
    let one = json_lines(&[
        "run",
        "--platform-profile",
        "linux",
        "--format",
        "json",
        FIXTURES,
    ]);
    let two = json_lines(&[
        "run",
        "--platform-profile",
        "linux",
        "--format",
        "json",
        "--jobs",
        "2",
        FIXTURES,
    ]);
    assert_eq!(one, two);
}

#[test]
fn fuzz_jobs_run_a_seed_each_and_print_in_worker_order() {
    let (out, code) = cli(&[
        "fuzz",
        "--mechanism",
        "socketpair",
        "--cases",
        "21",
        "--seed",
        "7",
        "--jobs",
        "2",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let workers: Vec<&str> = out.lines().filter(|l| l.starts_with("worker")).collect();
    assert_eq!(workers.len(), 2, "{out}");
    assert!(workers[0].starts_with("worker 0: socketpair: ") && workers[0].ends_with("seed 7"));
    assert!(workers[1].starts_with("worker 1: socketpair: ") && workers[1].ends_with("seed 8"));
    assert_eq!(out.matches("no failure").count(), 2, "{out}");
    assert!(out.contains("21 cases in 2 workers"), "{out}");
}

#[test]
fn junit_of_pass_fail_and_skip() {
    let dir = std::env::temp_dir().join(format!("ipc-conformance-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junit.xml");
    let (_, code) = cli(&[
        "run",
        "--platform-profile",
        "linux",
        "--junit",
        file.to_str().unwrap(),
        FIXTURES,
    ]);
    assert_eq!(code, Some(1), "a failing scenario makes the exit status 1");
    let xml = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    insta::assert_snapshot!("run_junit", redact_text(&xml));
}

#[test]
fn human_text_of_pass_fail_and_skip() {
    let (out, code) = cli(&["run", "--platform-profile", "linux", FIXTURES]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("run_human", redact_text(&out));
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    let (out, code) = cli(&[
        "run",
        "--platform-profile",
        "linux",
        "--fail-fast",
        FIXTURES,
    ]);
    assert_eq!(code, Some(1));
    assert!(!out.contains("SKIP"), "{out}");
    assert!(
        out.contains("stopped at the first failure (--fail-fast): 1 not run"),
        "{out}"
    );
}

#[test]
fn explain_a_scenario() {
    let (out, code) = cli(&["explain", "pipe::capacity"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!("explain_pipe_capacity", out);
}

/// On any host, `--platform-profile macos` shows the macOS branch of every step and the
/// XNU source that decides it.
#[test]
fn explain_the_macos_side() {
    let (out, code) = cli(&[
        "explain",
        "unix-dgram::reconnect_discards_queue",
        "--platform-profile",
        "macos",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("macOS source:    bsd/kern/uipc_usrreq.c"),
        "{out}"
    );
    assert!(!out.contains("checks on linux"), "{out}");
    insta::assert_snapshot!("explain_reconnect_discards_queue_macos", out);
}

#[test]
fn list_filters() {
    let (fifo_all, _) = cli(&["list", "--mechanism", "fifo"]);
    let (fifo_macos, _) = cli(&["list", "--mechanism", "fifo", "--platform", "macos"]);
    assert!(fifo_all.lines().all(|l| l.starts_with("fifo::")));
    assert!(fifo_macos.lines().count() < fifo_all.lines().count());
    let (tagged, _) = cli(&["list", "--tag", "pipe.capacity"]);
    assert!(tagged.contains("pipe::capacity"), "{tagged}");
    let (_, code) = cli(&["list", "--mechanism", "no-such"]);
    assert_eq!(code, Some(2));
}
