//! The `ipc-conformance` command line; the commands live in `cli/`.

mod cli;

use std::process::ExitCode;

use ipc_conformance::adapters;

fn main() -> ExitCode {
    // Started by exec as an actor of one of the adapters: serve as it (and exit).
    if let Some(name) = ipc_conformance::driver::exec_actor_implementation() {
        if let Ok(adapter) = adapters::find(&name) {
            adapter.implementation.serve_exec_actor();
        }
        eprintln!("error: started as an actor of `{name}`, which this build does not have");
        return ExitCode::from(2);
    }
    cli::main()
}
