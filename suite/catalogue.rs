//! The catalogue under `cargo test`: one trial per scenario file, against the OS, read
//! from the checkout (so a failure names the file), and the fuzzers against the OS.

use ipc_conformance::harness::{main_with, Fuzzers};
use ipc_conformance::mechanism::os::Os;

fn main() {
    let scenarios = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    main_with(Os, &[scenarios], Fuzzers::Included);
}
