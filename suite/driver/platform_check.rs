//! The harness's trial `platform::profile`: against a profile with a wrong value, it
//! fails naming that value, and a scenario's failure carries a note that names it too.

use std::sync::Arc;

use ipc_conformance::driver::RunOptions;
use ipc_conformance::harness::{ForkServer, TrialResult};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::platform::{Measured, Measurements, PlatformProfile};
use libtest_mimic::Failed;

use super::scenario_with;

fn a_wrong_profile_fails_platform_profile_and_notes_each_failure() -> Result<(), Failed> {
    let Measured::Known(pipe_buf) = Measurements::take().pipe_buf else {
        return Err("fpathconf(_PC_PIPE_BUF) did not answer".into());
    };
    let wrong: &'static PlatformProfile = Box::leak(Box::new(PlatformProfile {
        pipe_buf: pipe_buf + 1,
        ..PlatformProfile::host().clone()
    }));
    let opts = RunOptions {
        profile: wrong,
        ..RunOptions::default()
    };
    // A scenario that fails on its own: it expects bytes that were never written.
    let scenarios = [scenario_with("WRONG")];
    let server = Arc::new(ForkServer::start(&Os, &scenarios, &opts)?);
    let named = format!(
        "PIPE_BUF: the {} profile says {}, this system {pipe_buf}",
        wrong.platform,
        pipe_buf + 1
    );
    match server.platform_check() {
        TrialResult::Failed(text) if text.contains(&named) => {}
        other => return Err(format!("platform::profile did not name {named}: {other:?}").into()),
    }
    match server.run(0) {
        TrialResult::Failed(text) if text.contains("note: ") && text.contains(&named) => Ok(()),
        other => Err(format!("the failure carries no note naming {named}: {other:?}").into()),
    }
}

/// This module's trials.
pub fn tests() -> Vec<(&'static str, super::TestFn)> {
    vec![(
        "harness::a_wrong_profile_fails_platform_profile_and_notes_each_failure",
        a_wrong_profile_fails_platform_profile_and_notes_each_failure,
    )]
}
