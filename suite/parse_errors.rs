//! The scenario parser's errors: one malformed file per error kind, each snapshotted, and
//! a fuzz test that no input makes the parser panic or print anything but
//! `file:line:column: message` on one line.
//!
//! Paths are relative to the crate root (cargo runs integration tests from there), so the
//! snapshots are the same on every machine. To add a case, drop a file into
//! `fixtures/malformed/` and run `INSTA_UPDATE=always cargo test --test suite parse_errors`,
//! then read the new `.snap` file in `suite/snapshots/`.

use std::path::{Path, PathBuf};

use ipc_conformance::scenario::{self, LoadError};
use proptest::prelude::*;

const MALFORMED: &str = "fixtures/malformed";
const CATALOGUE: &str = "scenarios";

/// Every `*.toml` file directly in `dir`, sorted, relative to the crate root.
fn toml_files(dir: &str) -> Vec<PathBuf> {
    assert!(
        Path::new(dir).is_dir(),
        "{dir} not found: integration tests must run from the crate root (as cargo runs them)"
    );
    scenario::find_files(Path::new(dir)).unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
}

/// Checks that `message` is `path:LINE:COL: text` on one line, with LINE and COL at least
/// 1 and some text; returns (LINE, COL).
fn located(path: &str, message: &str) -> Result<(usize, usize), String> {
    if message.contains(['\n', '\r']) {
        return Err(format!("error is not one line: {message:?}"));
    }
    let rest = message
        .strip_prefix(path)
        .and_then(|r| r.strip_prefix(':'))
        .ok_or_else(|| format!("error does not start with `{path}:`: {message:?}"))?;
    let mut parts = rest.splitn(3, ':');
    let mut number = |what: &str| -> Result<usize, String> {
        match parts.next().and_then(|p| p.parse::<usize>().ok()) {
            Some(n) if n >= 1 => Ok(n),
            Some(n) => Err(format!("{what} is {n}, not one-based: {message:?}")),
            None => Err(format!("no {what} number after `{path}:`: {message:?}")),
        }
    };
    let (line, column) = (number("line")?, number("column")?);
    let text = parts.next().unwrap_or_default();
    if !text.starts_with(' ') || text.trim().is_empty() {
        return Err(format!(
            "no message after `{path}:{line}:{column}: `: {message:?}"
        ));
    }
    Ok((line, column))
}

#[test]
fn every_malformed_fixture_fails_with_a_located_one_line_error() {
    let files = toml_files(MALFORMED);
    assert!(
        files.len() >= 20,
        "expected at least 20 fixtures in {MALFORMED}, found {}",
        files.len()
    );
    for file in files {
        let shown = file.display().to_string();
        // Lossy: one fixture is not UTF-8 on purpose.
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let error = match scenario::load_file(&file) {
            Ok(s) => panic!(
                "{shown} loaded as `{}`, but it is meant to be malformed",
                s.id
            ),
            Err(e) => e,
        };
        assert!(
            matches!(error, LoadError::Malformed { .. }),
            "{shown}: expected a Malformed error, got {error:?}"
        );
        let message = error.to_string();
        let (line, column) = located(&shown, &message).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<&str> = text.split('\n').collect();
        assert!(
            line <= lines.len(),
            "{message}: line is past the end of the file"
        );
        assert!(
            column <= lines[line - 1].chars().count() + 1,
            "{message}: column is past the end of line {line}"
        );
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name, message);
    }
}

/// Two files of one mechanism with one name would be one id, the second shadowing the
/// first in `explain` and in reports: nothing runs, and the error names both files.
#[test]
fn two_files_with_one_id_are_rejected_naming_both() {
    let err = scenario::load_all(Path::new("fixtures/duplicate-ids"))
        .expect_err("two files give pipe::same_name");
    let message = err.to_string();
    insta::assert_snapshot!("duplicate_ids", message);
    assert!(located("fixtures/duplicate-ids/second/same_name.toml", &message).is_ok());
}

/// Every malformed file of a directory is reported, each on its own located line, and
/// nothing loads (the directory's valid file included).
#[test]
fn every_malformed_file_of_a_directory_is_reported() {
    let err = scenario::load_all(Path::new("fixtures/several-malformed"))
        .expect_err("two of the three files are malformed");
    let message = err.to_string();
    insta::assert_snapshot!("several_malformed", message);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 2, "{message}");
    for (line, file) in lines.iter().zip(["first_malformed", "second_malformed"]) {
        let path = format!("fixtures/several-malformed/{file}.toml");
        located(&path, line).unwrap_or_else(|e| panic!("{e}"));
    }
    let files = toml_files(MALFORMED);
    let all = scenario::load_all(Path::new(MALFORMED)).expect_err("every file is malformed");
    assert_eq!(
        all.each().count(),
        files.len(),
        "one error per malformed fixture:\n{all}"
    );
}

/// The command line prints each malformed file's error and runs nothing: exit status 2.
#[test]
fn the_command_line_reports_every_malformed_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ipc-conformance"))
        .args(["run", "fixtures/several-malformed"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: fixtures/several-malformed/"))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "something ran: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A death expected on one platform only, or as one outcome among others, leaves the
/// process acting where it lives: only a death certain everywhere ends it in the file.
#[test]
fn a_death_that_is_not_certain_lets_the_process_act_on() {
    for expect in [
        r#"{ platform = { linux = { signal = "SIGSEGV" }, macos = "succeeds" } }"#,
        r#"{ any_of = [{ signal = "SIGSEGV" }, "succeeds"] }"#,
    ] {
        let text = format!(
            r#"format_version = 1
summary = "a store to a read-only mapping, then a load"
reference = "POSIX XSH mmap(): a store to a page without PROT_WRITE raises a signal"
behaviours = ["mmap.prot-read-only-sigsegv"]
mechanism = "anon-shared"
macos_source = "osfmk/vm/vm_fault.c vm_fault: a write to a read-only page faults"

[processes]
writer = {{}}

[[step]]
writer = {{ mprotect = ["PROT_READ"] }}
expect = "succeeds"

[[step]]
writer = {{ store = {{ at = 0, data = "x" }} }}
expect = {expect}

[[step]]
writer = {{ load = {{ at = 0, len = 1 }} }}
expect = "succeeds"
"#
        );
        if let Err(e) = scenario::parse(Path::new("death.toml"), &text) {
            panic!("with expect = {expect}: {e}");
        }
    }
}

#[test]
fn every_catalogue_scenario_parses() {
    let mut errors = Vec::new();
    let files = toml_files(CATALOGUE);
    for file in &files {
        if let Err(e) = scenario::load_file(file) {
            errors.push(e.to_string());
        }
    }
    assert!(
        errors.is_empty(),
        "{} of {} scenario files do not load:\n{}",
        errors.len(),
        files.len(),
        errors.join("\n")
    );
}

/// A valid scenario for the mutation fuzzing, using most of the format.
const VALID: &str = r#"format_version = 1
summary = "a read on an empty pipe blocks until a writer writes"
reference = "POSIX XSH read(): an empty pipe with a writer suspends the reader"
behaviours = ["pipe.read-empty-blocks"]
mechanism = "pipe"
requires = ["pipe2"]
step_timeout_ms = 2000

[create]
flags = ["O_CLOEXEC"]

[processes]
reader = { keeps = ["read"] }
writer = { keeps = ["write"], sigpipe = "ignore" }

[[step]]
reader = { read = "PIPE_BUF+1" }
expect = "blocks"

[[step]]
writer = { write = { hex = "68 65 6c 6c 6f" } }
expect = { any_of = [{ returns = 5 }, { returns_between = [1, 5] }] }

[[step]]
reader = "completes"
expect = { platform = { linux = { data = "hello" }, macos = { data = { pattern = "seq", len = 5 } } } }
note = "the reader wakes"

[[step]]
writer = { close = "write" }
reader = { get_flag = { end = "read", flag = "O_NONBLOCK" } }
expect = "succeeds"

[[step]]
reader = "read_to_end"
expect = "eof"
"#;

/// Words of the format, swapped in for one another so mutations reach the checks that run
/// after the TOML parses, not only the TOML parser.
const WORDS: &[&str] = &[
    "reader",
    "writer",
    "read",
    "write",
    "completes",
    "blocks",
    "eof",
    "exit",
    "open",
    "mkfifo",
    "fifo",
    "pipe",
    "unrelated",
    "keeps",
    "expect",
    "any_of",
    "platform",
    "returns",
    "data",
    "error",
    "EAGAIN",
    "signal",
    "records",
    "PIPE_BUF",
    "PIPE_CAPACITY-1",
    "-1",
    "0",
    "[]",
    "{}",
    "\"\"",
    "step",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
    /// Replace the word at (about) this index with another word of the format.
    Word(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let ch = prop_oneof![
        3 => proptest::sample::select(&['"', '=', '[', ']', '{', '}', ',', '.', '\n', ' ', '#', '-', '+', '0', '9', 'x', '\\', '\''][..]),
        1 => any::<char>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (any::<usize>(), proptest::sample::select(WORDS)).prop_map(|(i, w)| Mutation::Word(i, w)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let len = chars.len();
        match *m {
            Mutation::Delete(i) if len > 0 => {
                chars.remove(i % len);
            }
            Mutation::Insert(i, c) => chars.insert(i % (len + 1), c),
            Mutation::Replace(i, c) if len > 0 => chars[i % len] = c,
            Mutation::Word(i, w) if len > 0 => {
                let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
                let mut start = i % len;
                while start > 0 && is_word(chars[start - 1]) {
                    start -= 1;
                }
                let mut end = start;
                while end < len && is_word(chars[end]) {
                    end += 1;
                }
                chars.splice(start..end, w.chars());
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Parse `text` as `fuzz.toml`: it must not panic, and an error must be located and on
/// one line.
fn check_parse(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = scenario::parse(Path::new("fuzz.toml"), text) {
        let message = error.to_string();
        prop_assert!(
            matches!(error, LoadError::Malformed { .. }),
            "not Malformed: {message}"
        );
        if let Err(e) = located("fuzz.toml", &message) {
            return Err(TestCaseError::fail(format!("{e}\ninput: {text:?}")));
        }
    }
    Ok(())
}

#[test]
fn the_fuzz_base_scenario_is_valid() {
    scenario::parse(Path::new("fuzz.toml"), VALID).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_and_errors_are_located(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_parse(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn mutated_scenarios_never_panic_and_errors_are_located(mutations in proptest::collection::vec(mutation(), 1..6)) {
        check_parse(&apply(VALID, &mutations))?;
    }
}
