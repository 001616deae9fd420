//! The domain types: apps, authorizations, endpoints, connections, templates and redaction. Pure, no I/O.

pub mod app;
pub mod authorization;
pub mod discovery;
pub mod endpoint;
pub mod field;
pub mod redact;
pub mod run;
pub mod template;
pub mod text;
pub mod time;
pub mod transfer;

pub use app::App;
pub use authorization::{
    ApiKeyConfig, ApiKeyField, AssertionAudience, AuthConfig, AuthField, AuthKind, Authorization, BasicConfig,
    BasicField, ClientAuth, EndpointRefs, Grant, KeyPlacement, LastTest, OAuth2Config, OAuth2Field, SigningAlg,
};
pub use endpoint::{BodyKind, Endpoint, EndpointField, EndpointPurpose, MappingField, Method, ResponseMapping};
pub use field::{FieldError, Problem, check_name};
