//! Fakes of business APIs whose hosts depend on the customer (an instance, a company domain, a
//! shop, a realm), each written from the provider's documentation (cited per entry; what the stored
//! docs didn't confirm is said so in /work/notes/quirks-research.md and in the entry's comment).

use authdeck::flow::StepId;
use serde_json::json;

use super::provider::*;

/// Salesforce, the web server flow.
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm
/// (stored in its Japanese translation): PKCE checked when a challenge was sent; the answer has no
/// expires_in, an `issued_at` in milliseconds, and the `instance_url` every API call goes to
/// (jsforce's TokenResponse); a refresh token only with the `refresh_token` scope; refreshes keep
/// it (https://developer.salesforce.com/docs/atlas.en-us.198.0.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm).
/// The OpenID Connect userinfo answers on the instance and on the login host.
pub const SALESFORCE: Provider = Provider {
    preset: "salesforce",
    answers: &[("login_host", "login.salesforce.com")],
    authorize: Authorize {
        path: "/services/oauth2/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/services/oauth2/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Scope("refresh_token"),
        response: |i| {
            json!({"access_token": i.access_token, "refresh_token": i.refresh_token, "signature": "0CmxinZir53Yex7nE0TD+zMpvIWYGb/bdJh6XfOH6EQ=",
                "scope": "refresh_token openid api", "instance_url": format!("{}/na1", i.base),
                "id": "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P", "token_type": "Bearer",
                "issued_at": (authdeck::model::time::now() * 1000).to_string()})
        },
        refuse: |reason| json_reply(400, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/services/oauth2/token",
        grant_type: true,
        rotates: false,
        response: |i| {
            json!({"access_token": i.access_token, "signature": "d0gSzgu3m3yA1g7MZ8HbZ0+aDHnbHnzlEajr2+d9UPw=",
                "scope": "refresh_token openid api", "instance_url": format!("{}/na1", i.base),
                "id": "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P", "token_type": "Bearer",
                "issued_at": (authdeck::model::time::now() * 1000).to_string()})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/na1/services/oauth2/userinfo", "/services/oauth2/userinfo"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"sub": "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P", "user_id": "005x00000012Q9P",
                "organization_id": "00Dx0000000BV7z", "name": "Ann Lee", "email": "ann@example.test", "preferred_username": "ann@acme.example"})
        },
        refuse: |reason| json_reply(403, json!({"error": "Forbidden", "message": reason})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (005x00000012Q9P)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[
            ("token.instance_url", "{base}/na1"),
            ("token.id", "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P"),
        ],
    },
    // Salesforce follows RFC 6749 where it matters for a test: a fixed user-information URL on the
    // login host works; what the preset adds is keeping instance_url for every later call.
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: Some("https://login.salesforce.com/services/oauth2/userinfo"),
};

/// Pipedrive.
/// https://pipedrive.readme.io/docs/marketplace-oauth-authorization (its first steps stored):
/// client_id and redirect_uri at /oauth/authorize; Basic client authentication (Nango's
/// `token_request_auth_method: basic`); the answer's `api_domain` is the company's API host (Nango's
/// `token_response_metadata`); /api/v1/users/me answers in `data`. Whether api.pipedrive.com also
/// answers for OAuth tokens is not confirmed here (Auth.js calls it): the fake answers on both.
pub const PIPEDRIVE: Provider = Provider {
    preset: "pipedrive",
    answers: &[],
    authorize: Authorize { path: "/oauth/authorize", requires: &[], callback: Callback::Plain, pkce: false },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "refresh_token": i.refresh_token,
                "scope": "base,deals:read", "expires_in": 3599, "api_domain": format!("{}/acme", i.base)})
        },
        refuse: |reason| json_reply(401, json!({"success": false, "message": reason, "error": "unauthorized"})),
    },
    refresh: Some(Refresh {
        path: "/oauth/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "refresh_token": i.refresh_token,
                "scope": "base,deals:read", "expires_in": 3599, "api_domain": format!("{}/acme", i.base)})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/acme/api/v1/users/me", "/api/v1/users/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"success": true, "data": {"id": 123, "name": "Ann Lee", "email": "ann@example.test",
                "company_id": 7, "company_domain": "acme"}})
        },
        refuse: |reason| json_reply(401, json!({"success": false, "error": reason})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (123)",
        expires_in: Some(3599),
        refresh_expires_in: None,
        kept: &[("token.api_domain", "{base}/acme")],
    },
    // Everything is under data: the default mapping finds no one.
    rfc: Rfc::FailsAt(StepId::UserInfo, "has no user id, name or email"),
    rfc_scopes: None,
    rfc_userinfo: Some("https://api.pipedrive.com/api/v1/users/me"),
};

/// QuickBooks Online (Intuit).
/// https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
/// (not in the stored corpus; Intuit's own intuit-oauth SDK types and Nango's
/// `redirect_uri_metadata: realmId`): the company's `realmId` on the callback; Basic client
/// authentication; `x_refresh_token_expires_in` (about 101 days); rotating refresh tokens; the
/// OpenID Connect userinfo with givenName and familyName, no name.
pub const QUICKBOOKS: Provider = Provider {
    preset: "quickbooks",
    answers: &[("environment", "sandbox")],
    authorize: Authorize {
        path: "/connect/oauth2",
        requires: &[("response_type", "code")],
        callback: Callback::Extra(&[("realmId", "9341453474484455")]),
        pkce: true,
    },
    token: Token {
        path: "/oauth2/v1/tokens/bearer",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"x_refresh_token_expires_in": 8_726_400, "refresh_token": i.refresh_token, "access_token": i.access_token,
                "token_type": "bearer", "expires_in": 3600, "id_token": i.id_token})
        },
        refuse: |reason| json_reply(401, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/oauth2/v1/tokens/bearer",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"x_refresh_token_expires_in": 8_726_400, "refresh_token": i.refresh_token, "access_token": i.access_token,
                "token_type": "bearer", "expires_in": 3600})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/openid_connect/userinfo"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"sub": "1182d6ec-2a1f-4aa3-af3e-fake", "email": "ann@example.test", "emailVerified": true,
                "givenName": "Ann", "familyName": "Lee", "phoneNumber": "+1 6501234567"})
        },
        refuse: unauthorized,
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (1182d6ec-2a1f-4aa3-af3e-fake)",
        expires_in: Some(3600),
        refresh_expires_in: Some(8_726_400),
        kept: &[("callback.realmId", "9341453474484455")],
    },
    // It connects (the id and email read), but the realmId the API needs is lost with it.
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Shopify, the authorization code grant.
/// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant:
/// the callback carries `shop`, `host`, `timestamp` and an `hmac` of them all keyed with the client
/// secret (Shopify's own example checks in src/model/signature.rs); the token request takes
/// client_id, client_secret and code as parameters and answers the offline token and its scopes;
/// the Admin API wants X-Shopify-Access-Token (https://shopify.dev/docs/api/admin-rest/latest/resources/shop).
pub const SHOPIFY: Provider = Provider {
    preset: "shopify",
    answers: &[("shop", "acme")],
    authorize: Authorize {
        path: "/admin/oauth/authorize",
        requires: &[("scope", "")],
        callback: Callback::ShopifySigned { shop: "acme.myshopify.com" },
        pkce: false,
    },
    token: Token {
        path: "/admin/oauth/access_token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: false,
        refresh_when: RefreshWhen::Never,
        response: |i| json!({"access_token": i.access_token, "scope": "read_products"}),
        refuse: |reason| json_reply(400, json!({"error": "invalid_request", "error_description": reason})),
    },
    refresh: None,
    userinfo: UserInfo {
        method: "GET",
        paths: &["/admin/api/2025-07/shop.json"],
        token: TokenIn::Header("x-shopify-access-token"),
        headers: &[],
        body: None,
        response: |_| {
            json!({"shop": {"id": 690_933_842, "name": "Acme Outfitters", "email": "owner@example.test",
                "myshopify_domain": "acme.myshopify.com", "plan_name": "partner_test"}})
        },
        refuse: |reason| {
            json_reply(401, json!({"errors": format!("[API] Invalid API key or access token ({reason})")}))
        },
    },
    expect: Expect {
        identity: "Acme Outfitters <owner@example.test> (690933842)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[("callback.shop", "acme.myshopify.com"), ("callback.host", "YWNtZS5teXNob3BpZnkuY29tL2FkbWlu")],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "invalid_request"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// HubSpot.
/// https://developers.hubspot.com/docs/guides/apps/authentication/working-with-oauth (not in the
/// stored corpus; Auth.js's `client_secret_post`): the client's credentials as parameters, 30-minute
/// tokens, refreshes at the same URL; who the token belongs to at /oauth/v1/access-tokens/{token}
/// (https://developers.hubspot.com/docs/guides/api/app-management/oauth-tokens), with the portal's hub_id.
pub const HUBSPOT: Provider = Provider {
    preset: "hubspot",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/authorize",
        requires: &[("scope", "")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth/v1/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| json!({"token_type": "bearer", "refresh_token": i.refresh_token, "access_token": i.access_token, "expires_in": 1800}),
        refuse: |reason| json_reply(400, json!({"status": "BAD_CLIENT_ID", "message": reason})),
    },
    refresh: Some(Refresh {
        path: "/oauth/v1/token",
        grant_type: true,
        rotates: false,
        response: |i| json!({"token_type": "bearer", "access_token": i.access_token, "expires_in": 1800}),
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/oauth/v1/access-tokens/"],
        token: TokenIn::Path,
        headers: &[],
        body: None,
        response: |_| {
            json!({"token": "[the token]", "user": "ann@example.test", "hub_domain": "acme.example", "scopes": ["oauth"],
                "hub_id": 62_515, "app_id": 456, "expires_in": 1754, "user_id": 123, "token_type": "access"})
        },
        refuse: |reason| json_reply(404, json!({"status": "error", "message": reason})),
    },
    expect: Expect {
        identity: "ann@example.test <ann@example.test> (123)",
        expires_in: Some(1800),
        refresh_expires_in: None,
        kept: &[("userinfo.hub_id", "62515"), ("userinfo.hub_domain", "acme.example")],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "BAD_CLIENT_ID"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Stripe Connect, OAuth for Standard accounts.
/// https://docs.stripe.com/connect/oauth-reference (not in the stored corpus; Nango): the token
/// request is authenticated with the platform's secret key (the client secret here), not with the
/// client id; the answer carries the connected account (`stripe_user_id`) and no expiry; refreshes
/// at the same URL with the secret key.
pub const STRIPE: Provider = Provider {
    preset: "stripe",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::BearerSecret,
        body: BodyRule::Form,
        redirect_uri: false,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "livemode": false, "refresh_token": i.refresh_token, "token_type": "bearer",
                "stripe_publishable_key": "pk_test_fake", "stripe_user_id": "acct_1032D82eZvKYlo2C", "scope": "read_write"})
        },
        refuse: |reason| {
            json_reply(
                401,
                json!({"error": "invalid_client", "error_description": format!("No such API key ({reason})")}),
            )
        },
    },
    refresh: Some(Refresh {
        path: "/oauth/token",
        grant_type: true,
        rotates: false,
        response: |i| {
            json!({"access_token": i.access_token, "livemode": false, "token_type": "bearer",
                "stripe_publishable_key": "pk_test_fake", "stripe_user_id": "acct_1032D82eZvKYlo2C", "scope": "read_write"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/account"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"id": "acct_1032D82eZvKYlo2C", "object": "account", "email": "jenny@example.test",
                "business_profile": {"name": null}, "settings": {"dashboard": {"display_name": "Jenny's Shop"}}})
        },
        refuse: |reason| json_reply(401, json!({"error": {"type": "invalid_request_error", "message": reason}})),
    },
    expect: Expect {
        identity: "Jenny's Shop <jenny@example.test> (acct_1032D82eZvKYlo2C)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[("token.stripe_user_id", "acct_1032D82eZvKYlo2C"), ("token.livemode", "false")],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "No such API key"),
    rfc_scopes: None,
    rfc_userinfo: None,
};
