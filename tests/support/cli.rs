//! Runs the real authdeck binary on a database, as a user would from a shell.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

#[path = "isolated.rs"]
pub mod isolated;

/// `authdeck --db DB ARGS…` with `stdin` as its standard input (closed after it).
pub fn authdeck_with_stdin(db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = isolated::authdeck(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run authdeck");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("authdeck output")
}

/// Like [`authdeck_with_stdin`], with bytes that need not be UTF-8.
#[allow(dead_code)]
pub fn authdeck_with_stdin_bytes(db: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = isolated::authdeck(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run authdeck");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("authdeck output")
}
