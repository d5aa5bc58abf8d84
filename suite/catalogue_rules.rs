//! The catalogue's own rules: every scenario cites its POSIX page, names the behaviours
//! it covers, and is named as its test id says.

use std::path::Path;

use ipc_conformance::scenario::{self, Scenario};

fn catalogue() -> Vec<Scenario> {
    scenario::load_all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .expect("the catalogue loads (see every_catalogue_scenario_parses)")
}

#[test]
fn every_scenario_cites_posix_and_names_its_behaviours() {
    let bad: Vec<String> = catalogue()
        .iter()
        .filter(|s| {
            !s.reference.contains("POSIX") || s.behaviours.is_empty() || s.summary.is_empty()
        })
        .map(|s| s.id.clone())
        .collect();
    assert!(
        bad.is_empty(),
        "scenarios without a POSIX reference, a summary or a behaviour slug: {bad:?}"
    );
}

#[test]
fn behaviour_slugs_are_mechanism_dot_kebab() {
    let well_formed = |slug: &str| {
        slug.split_once('.').is_some_and(|(area, rest)| {
            !area.is_empty()
                && !rest.is_empty()
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        })
    };
    let bad: Vec<(String, String)> = catalogue()
        .iter()
        .flat_map(|s| {
            s.behaviours
                .iter()
                .filter(|b| !well_formed(b))
                .map(|b| (s.id.clone(), b.clone()))
        })
        .collect();
    assert!(bad.is_empty(), "malformed behaviour slugs: {bad:?}");
}

#[test]
fn file_names_are_snake_case_and_ids_follow_them() {
    for s in catalogue() {
        let stem =
            s.id.split_once("::")
                .map(|(_, stem)| stem)
                .unwrap_or_default();
        assert!(
            !stem.is_empty()
                && stem
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{} is not mechanism::snake_case",
            s.id
        );
        let dir = s
            .source
            .as_ref()
            .and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_owned));
        // The fuzzers' shrunk failures live together, whatever their mechanism.
        assert!(
            dir.as_deref() == Some(s.mechanism.name()) || dir.as_deref() == Some("regressions"),
            "{} lives outside scenarios/{} and scenarios/regressions",
            s.id,
            s.mechanism
        );
    }
}

#[test]
fn the_built_in_catalogue_is_the_scenarios_directory() {
    let embedded: Vec<(String, Scenario)> = scenario::catalogue()
        .expect("the built-in catalogue parses")
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let on_disk: Vec<(String, Scenario)> =
        catalogue().into_iter().map(|s| (s.id.clone(), s)).collect();
    let ids = |v: &[(String, Scenario)]| v.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&embedded), ids(&on_disk));
    for ((id, a), (_, b)) in embedded.iter().zip(&on_disk) {
        assert_eq!(
            a.steps, b.steps,
            "{id}: the embedded copy differs from the file"
        );
    }
}

/// Every pipe, FIFO, socketpair, Unix datagram and shared-region scenario the models cover states what
/// they say (`-- --nocapture`
/// lists the ones it does not cover, and why).
/// The catalogue checked against the reference models under `profile`: the ids that
/// agree, those outside the models (with why), and the disagreements, step by step.
fn cross_check_catalogue(
    profile: &ipc_conformance::platform::PlatformProfile,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    use ipc_conformance::model::{cross_check, CrossCheck};
    let (mut agree, mut outside, mut disagree) = (Vec::new(), Vec::new(), Vec::new());
    for s in catalogue() {
        match cross_check(&s, profile) {
            CrossCheck::Agrees => agree.push(s.id),
            CrossCheck::Outside(why) => outside.push(format!("{}: {why}", s.id)),
            CrossCheck::Disagrees(steps) => {
                disagree.push(format!("{}:\n  {}", s.id, steps.join("\n  ")))
            }
        }
    }
    (agree, outside, disagree)
}

/// The macOS side read twice from XNU's source, once by each scenario's macOS branch and
/// once by the models' macOS rules (the profile): the two readings must not disagree.
/// This is what can be checked of macOS without a Mac.
#[test]
fn the_catalogue_macos_side_agrees_with_the_models_macos_rules() {
    use ipc_conformance::platform::PlatformProfile;
    let (agree, outside, disagree) = cross_check_catalogue(&PlatformProfile::MACOS);
    eprintln!(
        "macOS: {} agree, {} outside the model",
        agree.len(),
        outside.len()
    );
    assert!(
        disagree.is_empty(),
        "the catalogue's macOS side and the models' macOS rules disagree:\n{}",
        disagree.join("\n")
    );
    // 72 when first measured; fewer would mean the models lost their macOS ground.
    assert!(agree.len() >= 72, "only {} agree on macOS", agree.len());
}

#[test]
fn the_catalogue_agrees_with_the_reference_model() {
    use ipc_conformance::platform::PlatformProfile;
    let (agree, outside, disagree) = cross_check_catalogue(&PlatformProfile::LINUX);
    eprintln!("{} agree, {} outside the model", agree.len(), outside.len());
    for o in &outside {
        eprintln!("  {o}");
    }
    assert!(
        disagree.is_empty(),
        "the catalogue and the model disagree:\n{}",
        disagree.join("\n")
    );
    // The models cover most of these scenarios; fewer would mean they lost ground.
    // (pipe::write_gt_pipebuf_partial left the pipe model on purpose: Linux's count for
    // a non-blocking write of more than PIPE_BUF is one of the many POSIX allows.)
    let floors = [
        ("pipe::", 47),
        ("fifo::", 27),
        ("socketpair::", 10),
        ("unix-dgram::", 16),
        ("udp::", 12),
        ("anon-shared::", 12),
        ("sysv-shm::", 7),
        ("posix-shm::", 14),
        ("file-mmap::", 27),
        ("unix-stream::", 26),
        ("unix-seqpacket::", 11),
        ("tcp::", 15),
    ];
    for (prefix, floor) in floors {
        let agreeing = agree.iter().filter(|id| id.starts_with(prefix)).count();
        assert!(
            agreeing >= floor,
            "only {agreeing} `{prefix}` scenarios agree with the model, down from {floor}"
        );
    }
}

/// A page is named `PAGE_SIZE`, never written as 4096: a scenario that says "the second
/// page" with a number checks something else where pages are 16 or 64 KiB. Where pages
/// matter (shared regions, and the pipe sizes F_SETPIPE_SZ rounds to pages), no literal
/// multiple of 4096 is left in a size, an offset or an expected count.
#[test]
fn page_sized_numbers_are_named_page_size() {
    use ipc_conformance::scenario::{Action, Expectation, MechanismFamily, Payload, Size};

    fn page_sized(size: &Size) -> bool {
        matches!(size, Size::Bytes(n) if *n >= 4096 && n % 4096 == 0)
    }
    fn expected(e: &Expectation, out: &mut Vec<Size>) {
        match e {
            Expectation::Returns(n) | Expectation::ReturnsAtLeast(n) => out.push(*n),
            Expectation::ReturnsBetween(a, b) => out.extend([*a, *b]),
            Expectation::Data(Payload::Pattern { len, .. }) => out.push(*len),
            Expectation::AnyOf(v) => v.iter().for_each(|e| expected(e, out)),
            Expectation::Platform(p) => [&p.linux, &p.macos]
                .into_iter()
                .flatten()
                .for_each(|e| expected(e, out)),
            _ => {}
        }
    }
    let mut bad = Vec::new();
    for s in catalogue() {
        let regions = s.mechanism.family() == MechanismFamily::SharedRegion;
        let mut sizes = Vec::new();
        if regions {
            sizes.push(s.region.len);
        }
        for step in &s.steps {
            let mut pages = false;
            for (_, action) in &step.actions {
                match action {
                    Action::Store { at, data } | Action::Pwrite { at, data, .. } => {
                        sizes.extend([*at, data.len()])
                    }
                    Action::Load { at, len } | Action::Pread { at, len, .. } => {
                        sizes.extend([*at, *len])
                    }
                    Action::Ftruncate { len, .. } => sizes.push(*len),
                    Action::SetPipeSize { size, .. } => {
                        pages = true;
                        sizes.push(*size)
                    }
                    _ => {}
                }
            }
            match (&step.expect, regions) {
                (e, true) => expected(e, &mut sizes),
                // A bound such as pipe-max-size's 1048576 is a byte limit, not pages.
                (Expectation::Returns(n), false) if pages => sizes.push(*n),
                _ => {}
            }
        }
        if let Some(n) = sizes.iter().find(|n| page_sized(n)) {
            bad.push(format!("{}: {n}", s.id));
        }
    }
    assert!(
        bad.is_empty(),
        "page-sized numbers written as numbers, not as PAGE_SIZE: {bad:?}"
    );
}

/// Whether the macOS side of a scenario is its own: a `platform` expectation with a
/// macOS branch, or a skip on macOS where Linux runs it (a branch-less `platform`, a
/// feature or size macOS lacks). Each is decided by XNU's (or Libc's) source, so each
/// must name it (DESIGN rule 9).
fn has_macos_side(s: &Scenario) -> bool {
    use ipc_conformance::platform::PlatformProfile;
    use ipc_conformance::scenario::Expectation;
    fn macos_branch(e: &Expectation) -> bool {
        match e {
            Expectation::Platform(p) => p.macos.is_some(),
            Expectation::AnyOf(v) => v.iter().any(macos_branch),
            _ => false,
        }
    }
    s.steps.iter().any(|step| macos_branch(&step.expect))
        || (scenario::skip_reason(s, &PlatformProfile::MACOS).is_some()
            && scenario::skip_reason(s, &PlatformProfile::LINUX).is_none())
}

/// The scenarios with a macOS side of their own and no `macos_source` naming what decides it.
fn without_macos_source(scenarios: &[Scenario]) -> Vec<String> {
    scenarios
        .iter()
        .filter(|s| has_macos_side(s) && s.macos_source.is_none())
        .map(|s| {
            let why = scenario::skip_reason(s, &ipc_conformance::platform::PlatformProfile::MACOS)
                .map_or_else(|| "a macOS branch".to_owned(), |r| format!("skipped: {r}"));
            format!("{} ({why})", s.id)
        })
        .collect()
}

#[test]
fn every_macos_expectation_and_skip_names_its_source() {
    let bad = without_macos_source(&catalogue());
    assert!(
        bad.is_empty(),
        "{} scenarios have a macOS branch or a macOS-only skip and no `macos_source` (the XNU file and function that decides it):\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

/// The rule itself, on inline scenarios: a macOS branch without `macos_source` is caught,
/// and so is a skip on macOS only; naming the source clears both.
#[test]
fn the_macos_source_rule_catches_a_branch_or_skip_without_source() {
    let text = |source: &str, expect: &str| {
        format!(
            "format_version = 1\nsummary = \"s\"\nreference = \"POSIX XSH write()\"\n{source}behaviours = [\"pipe.zero-length\"]\nmechanism = \"pipe\"\n\n[processes]\nwriter = {{ keeps = [\"write\"] }}\n\n[[step]]\nwriter = {{ write = \"\" }}\nexpect = {expect}\n"
        )
    };
    let parse = |t: String| {
        scenario::parse(Path::new("scenarios/pipe/inline.toml"), &t)
            .expect("the inline scenario parses")
    };
    let branch = "{ platform = { linux = { returns = 0 }, macos = { returns = 0 } } }";
    let linux_only = "{ platform = { linux = { returns = 0 } } }";
    let source = "macos_source = \"bsd/kern/sys_pipe.c pipe_write: a zero-byte write returns 0\"\n";
    assert_eq!(
        without_macos_source(&[parse(text("", branch))]),
        ["pipe::inline (a macOS branch)"]
    );
    assert_eq!(
        without_macos_source(&[parse(text("", linux_only))]),
        ["pipe::inline (skipped: the scenario states no expectation for macos)"]
    );
    assert!(without_macos_source(&[parse(text(source, branch))]).is_empty());
    assert!(without_macos_source(&[parse(text(source, linux_only))]).is_empty());
    assert!(without_macos_source(&[parse(text("", "{ returns = 0 }"))]).is_empty());
}
