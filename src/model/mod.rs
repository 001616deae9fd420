//! The domain types: apps, authorizations, endpoints, connections, templates and redaction. Pure, no I/O.

pub mod app;
pub mod authorization;
pub mod context;
pub mod endpoint;
pub mod mapping;
pub mod preset;
pub mod redact;
pub mod run;
pub mod signature;
pub mod template;
pub mod text;
pub mod time;
pub mod transfer;

pub use app::App;
pub use authorization::{
    ApiKeyConfig, AuthConfig, AuthKind, Authorization, BasicConfig, ClientAuth, KeyPlacement, LastTest, OAuth2Config,
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

/// Checks a name the user gives to an app, authorization or endpoint.
pub fn check_name(field: &'static str, name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() {
        errors.push(FieldError::new(field, "Give it a name."));
    } else if name.chars().count() > 80 {
        errors.push(FieldError::new(field, "Keep the name under 80 characters."));
    }
}
