//! One of the preset tests' provider fakes (tests/providers/*.rs), served on 127.0.0.1 for trying a
//! preset by hand, e.g. from the TUI:
//!
//! ```text
//! cargo run --example fake_provider -- slack
//! AUTHDECK_PRESET_BASE_URL=http://127.0.0.1:PORT authdeck   # n, "From a preset…", Slack
//! ```
//!
//! The fake knows one client: Client ID `fake-client-id`, Client Secret `fake-client-secret-123`.
//! Its authorization endpoint approves at once and redirects to the redirect URI, so
//! `curl -sL 'AUTHORIZATION URL'` plays the browser. Ctrl-C stops it.

#[path = "../tests/providers/business.rs"]
mod business;
#[path = "../tests/providers/developer.rs"]
mod developer;
#[allow(unused_imports)]
#[path = "../tests/support/fakes.rs"]
mod fakes;
#[path = "../tests/providers/identity.rs"]
mod identity;
#[path = "../tests/support/provider.rs"]
mod provider;

use provider::{CLIENT_ID, CLIENT_SECRET, Provider, ProviderFake};

/// Every fake, by its preset's name.
const ALL: &[&Provider] = &[
    &business::HUBSPOT,
    &business::PIPEDRIVE,
    &business::QUICKBOOKS,
    &business::SALESFORCE,
    &business::SHOPIFY,
    &business::STRIPE,
    &developer::ASANA,
    &developer::ATLASSIAN,
    &developer::DISCORD,
    &developer::FIGMA,
    &developer::GITHUB,
    &developer::GITLAB,
    &developer::INTERCOM,
    &developer::LINEAR,
    &developer::NOTION,
    &developer::SLACK,
    &developer::TWITCH,
    &identity::BOX,
    &identity::DROPBOX,
    &identity::GOOGLE,
    &identity::LINKEDIN,
    &identity::MICROSOFT,
    &identity::SPOTIFY,
    &identity::XERO,
    &identity::ZOOM,
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let names: Vec<&str> = ALL.iter().map(|p| p.preset).collect();
    let Some(name) = std::env::args().nth(1) else {
        eprintln!("usage: fake_provider PRESET\npresets: {}", names.join(", "));
        std::process::exit(2);
    };
    let Some(provider) = ALL.iter().find(|p| p.preset == name.trim().to_lowercase()) else {
        eprintln!("no fake for \"{name}\"; fakes: {}", names.join(", "));
        std::process::exit(2);
    };
    let fake = ProviderFake::start(provider).await;
    println!("The {} fake listens on {}", provider.preset, fake.base());
    println!("  AUTHDECK_PRESET_BASE_URL={}", fake.base());
    println!("  Client ID {CLIENT_ID}, Client Secret {CLIENT_SECRET}");
    for (question, answer) in provider.answers {
        println!("  answer {question}: {answer}");
    }
    let _ = tokio::signal::ctrl_c().await;
    for refusal in fake.refusals() {
        println!("refused: {refusal}");
    }
}
