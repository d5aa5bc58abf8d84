//! docs/coverage.md is what `ipc-conformance coverage` writes from the catalogue now: a
//! scenario added or a call of the format added without regenerating it fails here,
//! naming the command that does.

use std::path::Path;

use ipc_conformance::coverage::{Coverage, REGENERATE};
use ipc_conformance::scenario;

#[test]
fn docs_coverage_md_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenarios = scenario::load_all(&root.join("scenarios")).expect("the catalogue loads");
    let now = Coverage::of(&scenarios).to_markdown();
    let written = std::fs::read_to_string(root.join("docs/coverage.md")).unwrap_or_default();
    assert!(
        written == now,
        "docs/coverage.md is not what the catalogue gives now; run `{REGENERATE}`"
    );
}
