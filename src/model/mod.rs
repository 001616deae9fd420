//! The domain types: apps, authorizations, endpoints, connections, templates and redaction. Pure, no I/O.

pub mod app;
pub mod authorization;
pub mod check;
pub mod context;
pub mod discovery;
pub mod endpoint;
pub mod field;
pub mod fingerprint;
pub mod mapping;
pub mod preset;
pub mod redact;
pub mod run;
pub mod security;
pub mod signature;
pub mod template;
pub mod text;
pub mod time;
pub mod transfer;

pub use app::App;
pub use authorization::{
    ApiKeyConfig, ApiKeyField, AssertionAudience, AuthConfig, AuthField, AuthKind, Authorization, BasicConfig,
    BasicField, ClientAuth, EndpointRefs, Grant, KeyPlacement, LastTest, OAuth2Config, OAuth2Field, ResponseMode,
    SigningAlg,
};
pub use endpoint::{BodyKind, Endpoint, EndpointField, EndpointPurpose, MappingField, Method, ResponseMapping};
pub use field::{FieldError, Problem, check_len, check_name, name_problem};

/// Field size limits, in bytes: well above every real value, far below what could hurt (a 50 MB
/// "client ID" is a mistake or an attack, and would be copied into every screen and request).
pub mod limits {
    pub const DESCRIPTION: usize = 4096;
    pub const LABEL: usize = 256;
    pub const CLIENT_ID: usize = 1024;
    pub const SECRET: usize = 8192;
    pub const URL: usize = 8192;
    pub const SCOPES: usize = 4096;
    pub const HEADERS: usize = 16 * 1024;
    pub const BODY: usize = crate::model::template::MAX_TEMPLATE_LEN;
    /// A response-mapping expression (`data[0].email`, `givenName ~ " " ~ familyName`).
    pub const PATH: usize = crate::model::template::MAX_EXPRESSION_LEN;
    /// An export file to import.
    pub const IMPORT_FILE: usize = 32 * 1024 * 1024;
}
