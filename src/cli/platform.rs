//! `platform`: measure on this system what a platform profile assumes, and print each
//! measurement beside the profile's value (`platform::PlatformCheck`).

use std::process::ExitCode;

use ipc_conformance::platform::{PlatformCheck, PlatformProfile};

use super::usage_error;

/// Exit status when the profile disagrees with the system: distinct from a failed
/// scenario (1) and malformed input (2).
const EXIT_PROFILE_WRONG: u8 = 3;

/// `platform`. Runs on the command line's main thread, the process's only one, so the
/// probes that fork a child may.
pub(super) fn platform(name: Option<&str>) -> ExitCode {
    let profile = match name {
        Some(name) => match PlatformProfile::by_name(name) {
            Some(p) => p,
            None => return usage_error(format!("`{name}`: no such platform profile")),
        },
        None => PlatformProfile::host(),
    };
    let check = PlatformCheck::run(profile);
    print!("{check}");
    if check.agrees() {
        println!("\nthe {} profile agrees with this system", check.profile);
        ExitCode::SUCCESS
    } else {
        print!(
            "\nthe {} profile is wrong for this system; scenarios that rely on these \
             values would fail for that one cause:\n{}",
            check.profile,
            check.summary()
        );
        ExitCode::from(EXIT_PROFILE_WRONG)
    }
}
