//! `explain ID`: a scenario in words, for a person deciding whether a failure is real.

use std::fmt::Write;

use crate::judge::describe_expectation;
use crate::platform::{Platform, PlatformProfile};
use crate::scenario::{
    action_text, skip_reason, Expectation, MechanismFamily, Relation, Scenario, Sharing, SigPipe,
    Size,
};

/// The scenario in words: what it shows, its POSIX reference, the processes and how they
/// relate, each step with what it checks, and what each platform expects where they
/// differ, with the source that decides the macOS side.
pub fn render_explanation(s: &Scenario) -> String {
    render_explanation_for(s, None)
}

/// The scenario in words as one platform's profile reads it (`None`: every platform):
/// `explain --platform-profile macos` on Linux shows each step's macOS expectation and
/// the XNU source that decides it, so the macOS side can be reviewed without a Mac.
pub fn render_explanation_for(s: &Scenario, only: Option<&PlatformProfile>) -> String {
    let all = [&PlatformProfile::LINUX, &PlatformProfile::MACOS];
    let profiles: Vec<&PlatformProfile> = match only {
        Some(p) => vec![p],
        None => all.to_vec(),
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}\n  {}\n", s.id, s.summary);
    let _ = writeln!(out, "POSIX reference: {}", s.reference);
    let _ = writeln!(out, "Mechanism:       {}", s.mechanism);
    if s.mechanism.family() == MechanismFamily::SharedRegion {
        let map = match s.region.sharing {
            Sharing::Shared => "MAP_SHARED",
            Sharing::Private => "MAP_PRIVATE",
        };
        let _ = writeln!(
            out,
            "Region:          {} bytes{}, {map}",
            s.region.len,
            resolved(s.region.len, &profiles)
        );
    }
    if !s.behaviours.is_empty() {
        let _ = writeln!(out, "Behaviours:      {}", s.behaviours.join(", "));
    }
    if !s.requires.is_empty() {
        let names: Vec<&str> = s.requires.iter().map(|f| f.name()).collect();
        let _ = writeln!(out, "Requires:        {}", names.join(", "));
    }
    if let Some(p) = &s.source {
        let _ = writeln!(out, "File:            {}", p.display());
    }
    let shows_macos = profiles.iter().any(|p| p.platform == Platform::Macos);
    if shows_macos {
        let _ = writeln!(
            out,
            "macOS source:    {}",
            s.macos_source
                .as_deref()
                .unwrap_or("none named (the macOS side is the same as every platform's)")
        );
    }
    let _ = writeln!(out, "\nProcesses ({}):", s.processes.len());
    let width = s
        .processes
        .iter()
        .map(|p| p.name.0.len())
        .max()
        .unwrap_or(0);
    for p in &s.processes {
        let mut how = vec![match p.relation {
            Relation::Related => "related: forked after the object is made, inherits it".to_owned(),
            Relation::Unrelated => {
                "unrelated: inherits nothing, reaches the object by name".to_owned()
            }
        }];
        if !p.keeps.is_empty() {
            let ends: Vec<String> = p.keeps.iter().map(ToString::to_string).collect();
            how.push(format!("keeps the {}", ends.join(" and the ")));
        }
        if !p.keeps_pair.is_empty() {
            let ends: Vec<String> = p.keeps_pair.iter().map(ToString::to_string).collect();
            how.push(format!("keeps {} of the socketpair", ends.join(" and ")));
        }
        if let Some(host) = &p.host {
            how.push(format!("on host `{host}` (its own network namespace)"));
        }
        if p.sigpipe == SigPipe::Ignore {
            how.push("ignores SIGPIPE".to_owned());
        }
        if !p.handles.is_empty() {
            let sigs: Vec<String> = p.handles.iter().map(ToString::to_string).collect();
            how.push(format!("catches {} without SA_RESTART", sigs.join(", ")));
        }
        let _ = writeln!(out, "  {:<width$}  {}", p.name.0, how.join("; "));
    }
    let _ = writeln!(out, "\nSteps (the actions of a step start together):");
    for (i, step) in s.steps.iter().enumerate() {
        let actions: Vec<String> = step
            .actions
            .iter()
            .map(|(p, a)| {
                let call = action_text(a).unwrap_or_else(|_| a.name().to_owned());
                format!("{} does {call}", s.process(*p).name)
            })
            .collect();
        let _ = writeln!(out, "  {}. {}", i + 1, actions.join("; "));
        let whose = if step.expect_for.is_empty() {
            ""
        } else {
            " for the others"
        };
        write_checks(&mut out, whose, &step.expect, &profiles, only.is_none());
        for (p, expect) in &step.expect_for {
            let whose = format!(" for {}", s.process(*p).name);
            write_checks(&mut out, &whose, expect, &profiles, only.is_none());
        }
        if let Some(note) = &step.note {
            let _ = writeln!(out, "     note: {note}");
        }
    }
    let _ = writeln!(out, "\nPlatforms:");
    for p in profiles {
        let _ = match skip_reason(s, p) {
            None => writeln!(out, "  {:<6} runs", p.platform),
            Some(why) => writeln!(out, "  {:<6} skipped: {why}", p.platform),
        };
    }
    out
}

/// The expectation in words on one platform, with the per-platform choice made.
/// The lines saying what `expect` checks (`whose`: ` for reader` where it is one
/// process's own), once when every platform agrees and `merge` allows, else per platform.
fn write_checks(
    out: &mut String,
    whose: &str,
    expect: &Expectation,
    profiles: &[&PlatformProfile],
    merge: bool,
) {
    let checks: Vec<(String, String)> = profiles
        .iter()
        .map(|p| (p.platform.to_string(), expectation_on(expect, p)))
        .collect();
    if merge && checks.iter().all(|(_, c)| *c == checks[0].1) {
        let _ = writeln!(out, "     checks{whose}: {}", checks[0].1);
    } else {
        for (platform, c) in &checks {
            let _ = writeln!(out, "     checks{whose} on {platform}: {c}");
        }
    }
}

fn expectation_on(e: &Expectation, profile: &PlatformProfile) -> String {
    match e {
        Expectation::Platform(choice) => match choice.for_platform(profile.platform) {
            Some(e) => describe_expectation(e, profile),
            None => "nothing stated (skipped there)".to_owned(),
        },
        e => describe_expectation(e, profile),
    }
}

/// What a size that names a profile constant is on each profile, ` (linux 8192, macos
/// 32768)`; nothing for a literal count.
fn resolved(size: Size, profiles: &[&PlatformProfile]) -> String {
    if let Size::Bytes(_) = size {
        return String::new();
    }
    let each: Vec<String> = profiles
        .iter()
        .map(|p| match p.resolve(size) {
            Ok(n) => format!("{} {n}", p.platform),
            Err(e) => format!("{}: {e}", p.platform),
        })
        .collect();
    format!(" ({})", each.join(", "))
}
