//! The README's code is run, not only read: its Rust blocks are the runtime crate's doctests
//! (`ReadmeDoctests` in `sso-runtime/src/lib.rs`). This test keeps them honest: a block may skip running
//! (`no_run`) only when running it would start a server, and none may be `ignore`d, so a snippet that
//! can run, runs.

use std::path::Path;

/// The README's fenced code blocks: (line of the opening fence, its info string, its text).
fn blocks(readme: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (index, line) in readme.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((index + 1, info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, _, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md ends inside a code block");
    blocks
}

#[test]
fn every_rust_block_of_the_readme_runs_unless_it_starts_a_server() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let rust: Vec<_> = blocks(&readme)
        .into_iter()
        .filter(|(_, info, _)| info.split(',').next() == Some("rust"))
        .collect();
    assert!(rust.len() >= 3, "the README's Rust blocks were not found");
    let mut runnable = 0;
    for (line, info, text) in &rust {
        let flags: Vec<&str> = info.split(',').skip(1).map(str::trim).collect();
        assert!(
            !flags
                .iter()
                .any(|flag| matches!(*flag, "ignore" | "compile_fail")),
            "README.md:{line}: a Rust block must compile and run as a doctest, not `{info}`"
        );
        if flags.contains(&"no_run") {
            let starts_a_server = text.contains("#[launch]") || text.contains(".launch()");
            assert!(
                starts_a_server,
                "README.md:{line}: `no_run` on a block that starts no server: let it run as a doctest"
            );
        } else {
            runnable += 1;
        }
    }
    assert!(runnable >= 1, "no README block runs");
}
