//! The catalogue under `cargo test`: one trial per scenario file, against the OS, read
//! from the checkout (so a failure names the file).

fn main() {
    let scenarios = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    ipc_conformance::harness::main_with_scenarios(ipc_conformance::mechanism::os::Os, &[scenarios]);
}
