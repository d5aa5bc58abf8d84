//! `ipc-conformance platform` through the binary: the host's profile agrees with the
//! system it was written for, and the other platform's profile is reported wrong, row by
//! row, with its own exit status (3, not a failed scenario's 1).
//!
//! The binary forks its probes, not this process: running it as a child is safe from
//! test threads.

use std::process::Command;

fn platform(args: &[&str]) -> (String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_ipc-conformance"))
        .arg("platform")
        .args(args)
        .output()
        .expect("the binary runs");
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

/// The profile of the other platform than this one.
fn other_platform() -> &'static str {
    if cfg!(target_os = "macos") {
        "linux"
    } else {
        "macos"
    }
}

#[test]
fn the_host_profile_agrees_with_this_system() {
    let (out, code) = platform(&[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("profile agrees with this system"), "{out}");
    for what in [
        "PIPE_BUF",
        "page size",
        "pipe capacity",
        "SHM_NAME_MAX",
        "SEM_NAME_MAX",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(what) && l.ends_with("yes")),
            "{what} not measured and agreed:\n{out}"
        );
    }
}

#[test]
fn the_other_platforms_profile_fails_naming_each_wrong_value() {
    let other = other_platform();
    let (out, code) = platform(&["--platform-profile", other]);
    assert_eq!(code, Some(3), "{out}");
    for what in [
        "PIPE_BUF",
        "page size",
        "SOCK_SEQPACKET",
        "protection fault",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(what) && l.ends_with("NO")),
            "{what} not reported wrong:\n{out}"
        );
        assert!(
            out.contains(&format!("{what}: the {other} profile says ")),
            "{what} not in the summary:\n{out}"
        );
    }
}

#[test]
fn an_unknown_profile_is_malformed_input() {
    let (_, code) = platform(&["--platform-profile", "plan9"]);
    assert_eq!(code, Some(2));
}
