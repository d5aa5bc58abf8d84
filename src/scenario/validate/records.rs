//! Records that `atomic = true` promises whole: POSIX keeps a write whole only up to
//! PIPE_BUF bytes, a size of the platform, so the promise is checked on each platform the
//! scenario runs on.

use super::platform::skip_reason;
use crate::platform::{Platform, PlatformProfile};
use crate::scenario::model::*;

/// No `records` expectation with `atomic = true` names records longer than PIPE_BUF on
/// Linux or macOS, unless the scenario is skipped there: nothing keeps such records whole,
/// however many writers there are. `Err` gives the step.
pub(super) fn check_atomic_records(s: &Scenario) -> Result<(), (usize, String)> {
    for profile in [&PlatformProfile::LINUX, &PlatformProfile::MACOS] {
        if skip_reason(s, profile).is_some() {
            continue;
        }
        for (si, step) in s.steps.iter().enumerate() {
            let mut atomic = Vec::new();
            for (_, _, expect) in step.judged_actions() {
                atomic_records(expect, profile.platform, &mut atomic);
            }
            for len in atomic {
                let Ok(bytes) = profile.resolve(len) else {
                    continue;
                };
                if bytes > profile.pipe_buf {
                    let size = match len {
                        Size::Bytes(_) => format!("{bytes} bytes"),
                        _ => format!("{len} bytes ({bytes})"),
                    };
                    return Err((
                        si,
                        format!(
                            "`atomic = true` cannot hold on {}: records of {size} are longer than PIPE_BUF there ({}), and only a write of at most PIPE_BUF bytes is kept whole; expected records of at most \"PIPE_BUF\" bytes, or `atomic = false` (each writer's bytes are then checked in order)",
                            profile.platform, profile.pipe_buf
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The lengths of the atomic `records` an expectation allows on `platform`.
fn atomic_records(expect: &Expectation, platform: Platform, out: &mut Vec<Size>) {
    match expect {
        Expectation::Records(r) if r.atomic => out.push(r.len),
        Expectation::AnyOf(options) => options
            .iter()
            .for_each(|e| atomic_records(e, platform, out)),
        Expectation::Platform(p) => {
            if let Some(e) = p.for_platform(platform) {
                atomic_records(e, platform, out);
            }
        }
        _ => {}
    }
}
