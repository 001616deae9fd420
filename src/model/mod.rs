//! The domain types: apps, authorizations, endpoints, connections, templates and redaction. Pure, no I/O.

pub mod app;
pub mod authorization;
pub mod endpoint;
pub mod redact;
pub mod run;
pub mod security;
pub mod template;
pub mod text;
pub mod time;
pub mod transfer;

pub use app::App;
pub use authorization::{
    ApiKeyConfig, AuthConfig, AuthKind, Authorization, BasicConfig, ClientAuth, KeyPlacement, LastTest, OAuth2Config,
    ResponseMode,
};
pub use endpoint::{BodyKind, Endpoint, EndpointPurpose, ResponseMapping};

/// A problem with one field of a form, shown beside that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's key, as the form knows it (e.g. `client_id`).
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// The longest name of an app, authorization or endpoint.
pub const MAX_NAME_CHARS: usize = 80;

/// Checks a name the user gives to an app, authorization or endpoint.
pub fn check_name(field: &'static str, name: &str, errors: &mut Vec<FieldError>) {
    if let Err(message) = name_problem(name) {
        errors.push(FieldError::new(field, message));
    }
}

/// What is wrong with a name, if anything.
pub fn name_problem(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("Give it a name.".into());
    }
    let chars = name.trim().chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(format!("Keep the name under {MAX_NAME_CHARS} characters (this one has {chars})."));
    }
    Ok(())
}

/// Refuses a value longer than any real one (a 50 MB "client ID" is a mistake or an attack, and
/// would be copied into every screen and request): `max` is in bytes, the message says so.
pub fn check_len(field: &'static str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.len() > max {
        let (size, limit) = if max >= 4096 {
            (format!("{} KiB", value.len().div_ceil(1024)), format!("{} KiB", max / 1024))
        } else {
            (format!("{} bytes", value.len()), format!("{max} bytes"))
        };
        errors.push(FieldError::new(field, format!("This is {size}; it can be at most {limit}.")));
    }
}

/// Field size limits, in bytes: well above every real value, far below what could hurt.
pub mod limits {
    pub const DESCRIPTION: usize = 4096;
    pub const LABEL: usize = 256;
    pub const CLIENT_ID: usize = 1024;
    pub const SECRET: usize = 8192;
    pub const URL: usize = 8192;
    pub const SCOPES: usize = 4096;
    pub const HEADERS: usize = 16 * 1024;
    pub const BODY: usize = crate::model::template::MAX_TEMPLATE_LEN;
    pub const PATH: usize = 512;
    /// An export file to import.
    pub const IMPORT_FILE: usize = 32 * 1024 * 1024;
}
