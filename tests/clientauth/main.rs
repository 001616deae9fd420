//! Client authentication, PAR, DPoP and mTLS without the real provider (one test binary, so the
//! suite links one more, not three): fakes for what oidc-provider won't do on purpose
//! (`refusals`), mTLS against a fake TLS token endpoint (`mtls`), and the client's keys at rest
//! (`store`). The end-to-end tests against oidc-provider are tests/oidc_clientauth.rs.

#[path = "../support/fakes.rs"]
#[allow(unused_imports)]
mod fakes;

mod mtls;
mod refusals;
mod store;
