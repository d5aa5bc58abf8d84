//! The catalogue under `cargo test`: one trial per scenario file, against the OS.

fn main() {
    let scenarios = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    ipc_conformance::harness::main(ipc_conformance::mechanism::os::Os, &[scenarios]);
}
