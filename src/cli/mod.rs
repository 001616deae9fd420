//! The subcommands: list, export, import, test.
pub mod test;
