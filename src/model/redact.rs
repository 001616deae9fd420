//! Redaction of secrets (being written).
