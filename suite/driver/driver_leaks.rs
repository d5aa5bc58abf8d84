//! After many scenarios in one driver process, nothing of the driver's has leaked: the
//! same number of open descriptors and of mappings as before, and no child left (zombie
//! or alive). `IPC_LEAK_RUNS` scenarios (200 by default), taken in turn from the
//! catalogue, after one round of the catalogue to warm up.

use std::time::Instant;

use ipc_conformance::driver::{run_scenario, RunOptions, Verdict};
use ipc_conformance::mechanism::os::Os;
use ipc_conformance::scenario;
use libtest_mimic::Failed;

use super::{check, no_children_left};

/// What the driver process holds: open descriptors and mappings.
fn held() -> (usize, usize) {
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    let maps = std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count());
    (fds, maps)
}

pub fn nothing_of_the_driver_leaks_over_many_runs() -> Result<(), Failed> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let runs: usize = std::env::var("IPC_LEAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let catalogue = scenario::catalogue()?;
    let opts = RunOptions::default();
    for s in &catalogue {
        run_scenario(s, &Os, &opts);
    }
    let (fds, maps) = held();
    let started = Instant::now();
    let mut failed = Vec::new();
    for i in 0..runs {
        let s = &catalogue[i % catalogue.len()];
        if let Verdict::Fail(_) | Verdict::HarnessError(_) = run_scenario(s, &Os, &opts).verdict {
            failed.push(s.id.clone());
        }
    }
    let (fds_after, maps_after) = held();
    eprintln!(
        "{runs} scenarios in one driver process in {:.1} s: descriptors {fds} -> {fds_after}, \
         mappings {maps} -> {maps_after}, children left: {}",
        started.elapsed().as_secs_f64(),
        if no_children_left() { 0 } else { 1 }
    );
    check(failed.is_empty(), || {
        format!("scenarios failed: {failed:?}")
    })?;
    check(fds_after == fds, || {
        format!("{fds} descriptors open before, {fds_after} after")
    })?;
    check(maps_after == maps, || {
        format!("{maps} mappings before, {maps_after} after")
    })?;
    check(no_children_left(), || {
        "a child of the driver is left (alive or a zombie)".to_owned()
    })
}
